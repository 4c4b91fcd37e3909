"""Set up the test LMS and import a package through wagtail-lms's own admin upload view.

Run as ``python -m tests.lms.wagtail_project.setup site`` (an editor, a learner) and
``... setup import <zip> <title> <version>`` (the editor uploads the zip with Wagtail's SCORM package form; a
course with the learner enrolled gets a SCORM lesson page for it). Each prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import django

EDITOR = ("editor", "editor-password-1")
LEARNER = ("learner", "learner-password-1")


def site() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    users = get_user_model()
    users.objects.create_superuser(EDITOR[0], "editor@example.invalid", EDITOR[1])
    learner = users.objects.create_user(LEARNER[0], "learner@example.invalid", LEARNER[1], first_name="Lea")
    return {"learner": learner.pk}


def import_package(zip_path: Path, title: str, version: str) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from wagtail.models import Page
    from wagtail_lms.models import CourseEnrollment, CoursePage, SCORMLessonPage, SCORMPackage

    client = Client()
    client.force_login(get_user_model().objects.get(username=EDITOR[0]))
    add = reverse("scormpackage:add")  # the "LMS → SCORM Packages → Add" form of its Wagtail viewset
    form = client.get(add)
    if form.status_code != 200:
        raise SystemExit(f"the SCORM package form answered {form.status_code} at {add}")
    with zip_path.open("rb") as upload:
        response = client.post(add, {"title": title, "description": "", "version": version, "package_file": upload})
    if response.status_code != 302:
        raise SystemExit(f"the upload was refused ({response.status_code}): {response.content[:2000]!r}")
    package = SCORMPackage.objects.get(title=title)
    home = Page.objects.get(depth=2)  # Wagtail's initial site root page
    course = CoursePage(title=f"Course {title}", slug=f"course-{package.pk}")  # one course per package
    home.add_child(instance=course)
    course.save_revision().publish()
    CourseEnrollment.objects.create(user=get_user_model().objects.get(username=LEARNER[0]), course=course)
    lesson = SCORMLessonPage(title=title, slug=f"lesson-{package.pk}", scorm_package=package)
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return {
        "package": package.pk,
        "lesson": lesson.pk,
        "lesson_url": lesson.url,
        "course": course.pk,
        "course_url": course.url,
        "version": package.version,
        "launch_url": package.launch_url,
        "extracted_path": package.extracted_path,
        "manifest_data": package.manifest_data,
        "player_launch_url": package.get_launch_url(),
    }


def main(argv: list[str]) -> None:
    django.setup()
    if argv[0] == "site":
        result = site()
    elif argv[0] == "import":
        result = import_package(Path(argv[1]), argv[2], argv[3])
    else:
        raise SystemExit(f"unknown command {argv[0]!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
