"""The `handbook` command line: the only module that knows click; options → one call → exit code."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline import report
from pipeline.config import Config
from pipeline.diagnostics import Diagnostic, PipelineError, Severity

OUTPUT_FORMATS = ("text", "json", "sarif", "github")
F = TypeVar("F", bound=Callable[..., Any])
source_option = click.option(
    "--source",
    "-s",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    default=Path("source"),
    show_default=True,
    help="The handbook's source folder.",
)


def output_format_option(*names: str) -> Callable[[F], F]:
    """``--output-format`` (and ``--format`` where it names nothing else): how diagnostics are printed."""
    return click.option(
        "--output-format",
        *names,
        "output_format",
        type=click.Choice(OUTPUT_FORMATS),
        default="text",
        show_default=True,
        help="How to print diagnostics.",
    )


strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="handbook-pipeline", prog_name="handbook")
def main() -> None:
    """Check and build handbooks: HTML, JSON, PDF and SCORM from one Markdown source.

    \b
    Example:
      handbook check            # every problem, with file:line:col and a fix
      handbook build            # check, then write outputs/
    """


def run() -> None:
    """The `handbook` command: ``main`` run by click, then the process ends at once with the status it gave."""
    from pipeline.processes import finish

    try:
        main()
    except SystemExit as done:  # ended here, while the exit's traceback still holds what the command made
        finish(done.code)


def _emit(diags: list[Diagnostic], output_format: str) -> None:
    if output_format == "json":
        click.echo(report.as_json(diags))
    elif output_format == "sarif":
        click.echo(report.sarif(diags))
    elif output_format == "github":
        if diags:
            click.echo(report.github(diags))
    else:
        if diags:
            # click.echo strips styles when stderr is not a terminal: then they are not made at all
            style = click.style if sys.stderr.isatty() else _unstyled
            click.echo(report.text(diags, style), err=True)
            click.echo(err=True)
        click.echo(report.summary(diags), err=True)


def _unstyled(text: str, **_style: object) -> str:
    return text


def _fail(exc: PipelineError) -> None:
    click.echo(click.style("error: ", fg="red", bold=True) + str(exc), err=True)
    sys.exit(2)


def _interrupted(exc: BaseException, out: Path | None = None, published: bool = False) -> None:
    """One line for a stopped run, then 128 + the signal (130 for Ctrl+C, 143 for SIGTERM)."""
    from pipeline.processes import Interrupted

    stopped = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
    published = published or stopped.published
    where = "" if out is None else f"; {out}/ {'holds the new build' if published else 'unchanged'}"
    click.echo(f"interrupted{where}", err=True)
    sys.exit(stopped.exit_code)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--source",
    "-s",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="The handbook's source folder  [default: source, when no PATH is given]",
)
@output_format_option("--format")
@strict_option
def check(paths: tuple[Path, ...], source: Path | None, output_format: str, strict: bool) -> None:
    """Check the handbook: schemas, citations, tables, links, vocabulary and claims.

    PATHS are source folders (like --source) or files of a handbook: with files, their whole
    handbook (the nearest folder upward holding handbook.yaml) is checked, but only the findings
    in those files are reported, so that a pre-commit hook passing changed files works; files in
    no handbook are skipped. Exit status: 0 when no reported errors, 1 when errors were reported,
    2 on usage errors.

    \b
    Examples:
      handbook check
      handbook check --strict --output-format github
      handbook check --output-format sarif > handbook.sarif
      handbook check source/pages/roles.md source/references.yaml
    """
    from pipeline.build import check as run
    from pipeline.processes import Interrupted, sigterm_interrupts
    from pipeline.targets import targets

    if source is None and not paths:
        source = Path("source")
        if not source.is_dir():
            raise click.BadParameter(
                "no folder 'source' here: pass the source folder as --source or PATH", param_hint="--source"
            )
    chosen = targets([*paths, *([source] if source is not None else [])])
    for path in chosen.outside:
        click.echo(f"note: {path} is in no handbook (no handbook.yaml above it): skipped", err=True)
    diagnostics = []
    try:
        with sigterm_interrupts():
            for target in chosen.handbooks:
                result = run(Config(source=target.source, strict=strict))
                diagnostics += target.reported(result.diagnostics)
    except PipelineError as exc:
        _fail(exc)
    except (KeyboardInterrupt, Interrupted) as exc:
        _interrupted(exc)
    if not chosen.handbooks and output_format == "text":
        click.echo("Nothing to check: none of the files is in a handbook.", err=True)
        sys.exit(0)
    _emit(diagnostics, output_format)
    sys.exit(1 if any(d.severity is Severity.ERROR for d in diagnostics) else 0)


@main.command()
@source_option
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("outputs"),
    show_default=True,
    help="Where outputs are written.",
)
@click.option("--format", "-f", "formats", multiple=True, help="Build only this format (repeatable).")
@click.option("--pdf-split", is_flag=True, help="Also write one PDF per handbook page (pdf/<id>/<page>.pdf).")
@click.option("--pdf-variant", type=click.Choice(["pdf/ua-1"]), help="Write a tagged PDF/UA-1 PDF.")
@output_format_option()
@strict_option
def build(
    source: Path,
    out: Path,
    formats: tuple[str, ...],
    pdf_split: bool,
    pdf_variant: str | None,
    output_format: str,
    strict: bool,
) -> None:
    """Check the handbook, then build every output format into OUT.

    Nothing in OUT changes unless the checks pass and every format builds; then OUT is replaced
    in one step, so an interrupted build leaves it as it was. OUT may not be, contain or lie
    inside the source folder (exit status 2).

    \b
    Examples:
      handbook build
      handbook build --format html --out /tmp/site
      handbook build --format pdf --pdf-split --pdf-variant pdf/ua-1
    """
    from pipeline import stamp
    from pipeline.formats import FORMATS

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise click.BadParameter(
            f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}", param_hint="--format"
        )
    config = Config(
        source=source, out=out, formats=formats, strict=strict, pdf_split=pdf_split, pdf_variant=pdf_variant
    )
    from pipeline.processes import Interrupted, exit_now, sigterm_interrupts

    published, code = False, 0  # once the new outputs are in place, an interrupt while reporting says so
    try:
        with sigterm_interrupts():  # from the first step to the last line: any Ctrl+C or SIGTERM ends alike
            last = stamp.previous(config)
            read = stamp.inputs(config, last)  # before anything is read: an edit made meanwhile is seen next time
            known = stamp.unchanged(config, read, last)
            if known is not None:  # nothing it reads or wrote changed since the last build
                from pipeline import publish

                publish.clean(Path(os.path.realpath(out)))  # the old tree of a build killed right after publishing
                _emit(known, output_format)
                click.echo(f"Nothing changed since the last build: {out}/ is up to date.", err=True)
            else:
                from pipeline.build import build as run
                from pipeline.progress import StageReporter

                with StageReporter() as stages:
                    result = run(config, progress=stages, inputs=read)
                published, code = result.ok, 0 if result.ok else 1
                _emit(result.diagnostics, output_format)
                if result.ok:
                    stages.summary(result.by_format, out)
    except PipelineError as exc:
        _fail(exc)
    except (KeyboardInterrupt, Interrupted) as exc:
        _interrupted(exc, out, published)
    exit_now(code)


@main.command()
@click.argument("packages", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--run",
    "run_time",
    is_flag=True,
    help="Also launch every SCO in headless Chromium against scorm-again and report run-time faults "
    "(needs the `run` extra and Chromium).",
)
@click.option(
    "--run-seconds",
    type=click.FloatRange(0, 600),
    default=2.0,
    show_default=True,
    help="With --run: how long each SCO runs after Initialize before the learner leaves.",
)
@click.option(
    "--init-seconds",
    type=click.FloatRange(0.1, 600),
    default=10.0,
    show_default=True,
    help="With --run: how long to wait for a SCO's Initialize.",
)
@click.option(
    "--chromium",
    type=click.Path(path_type=Path, dir_okay=False),
    help="With --run: the Chromium binary  [default: $CHROMIUM, else /usr/bin/chromium]",
)
@output_format_option("--format")
@strict_option
def verify(
    packages: tuple[Path, ...],
    run_time: bool,
    run_seconds: float,
    init_seconds: float,
    chromium: Path | None,
    output_format: str,
    strict: bool,
) -> None:
    """Verify SCORM package zips (ours or any tool's) before uploading them to an LMS.

    Errors for what breaks an import or a launch in an LMS (missing launch file or a file the
    launch page loads, unparsable manifest, bad identifierref, a schemaversion that picks the
    wrong API, zip-slip, symlink, duplicate or case-colliding entries, zip bombs); warnings for
    spec violations LMSs tolerate (XSD errors, raw spaces in hrefs, missing control documents).

    With --run, every SCO (each item's launch URL, parameters included) is also launched in
    headless Chromium inside a scorm-again LMS frame on 127.0.0.1: a SCO that never initializes,
    calls after Terminate, rejected SetValue calls, SCORM 1.2 size limits, nothing saved when
    the learner leaves (pagehide), and script errors are reported (PKG021-PKG027). It needs
    Playwright (the `run` extra, below) and Chromium (apt-get install chromium, or --chromium).

    At most 20 findings per code are shown. Exit status: 0 when no errors, 1 when errors were
    found, 2 on usage errors or a missing browser.

    \b
    Examples:
      handbook verify outputs/scorm/*.zip
      handbook verify --output-format json course.zip
      handbook verify --run --run-seconds 5 outputs/scorm/*.zip
      pip install 'handbook-pipeline[run]'    # Playwright, for --run
    """
    from pipeline.package.verify import verify as run

    diagnostics = []
    try:
        if run_time:
            from pipeline.package.runner import RunOptions, check_environment
            from pipeline.package.runner import run as run_scos

            options = RunOptions(init_seconds=init_seconds, run_seconds=run_seconds, chromium=chromium)
            check_environment(options)  # before the static checks: a missing browser is a usage error
        for package in packages:
            diagnostics += run(package)
        if run_time:
            diagnostics += run_scos(list(packages), options)
    except PipelineError as exc:
        _fail(exc)
    if strict:
        diagnostics = [d.with_severity(Severity.ERROR) if d.severity is Severity.WARNING else d for d in diagnostics]
    _emit(diagnostics, output_format)
    sys.exit(1 if any(d.severity is Severity.ERROR for d in diagnostics) else 0)


@main.command()
@source_option
@click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@strict_option
def serve(source: Path, port: int, strict: bool) -> None:
    """Preview the HTML site on 127.0.0.1: rebuilds on save and reloads the open page.

    While a check fails, every page shows the diagnostics instead of going stale.

    \b
    Examples:
      handbook serve
      handbook serve --port 8080 --source bench/work/source-1000
    """
    from pipeline.serve import serve as run

    try:
        run(Config(source=source, strict=strict), port, log=lambda message: click.echo(message, err=True))
    except OSError as exc:
        raise click.UsageError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}") from exc


@main.group()
def new() -> None:
    """Create new source files from a valid scaffold.

    \b
    Examples:
      handbook new handbook "Skill Progression Map" --source my-handbook/source
      handbook new page "Transforming Your Role"
      handbook new page "Roles" --id roles --source my-handbook/source
    """


@new.command("handbook")
@click.argument("title")
@click.option(
    "--source",
    "-s",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("source"),
    show_default=True,
    help="The folder to create the handbook in.",
)
def new_handbook(title: str, source: Path) -> None:
    """Create a handbook: handbook.yaml, references.yaml and a first page, ready to check and build.

    \b
    Example:
      handbook new handbook "Skill Progression Map" --source my-handbook/source
      handbook build --source my-handbook/source --out my-handbook/outputs
    """
    from pipeline.scaffold import ScaffoldError
    from pipeline.scaffold import new_handbook as make

    try:
        paths = make(source, title)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from exc
    for path in paths:
        click.echo(f"created {path}")


@new.command("page")
@click.argument("title")
@source_option
@click.option("--id", "page_id", help="Page id (default: made from the title).")
def new_page(title: str, source: Path, page_id: str | None) -> None:
    """Create pages/<id>.md with valid frontmatter and list it in handbook.yaml.

    \b
    Example:
      handbook new page "Transforming Your Role"
    """
    from pipeline.scaffold import ScaffoldError
    from pipeline.scaffold import new_page as make

    try:
        path = make(source, title, page_id)
    except ScaffoldError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"created {path}")


@main.command()
@click.argument("name", required=False, type=click.Choice(["handbook", "page", "references", "export"]))
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write every schema into this folder instead of printing one.",
)
def schema(name: str | None, out: Path | None) -> None:
    """Print a JSON Schema, or write them all to a folder (for editor integration).

    \b
    Examples:
      handbook schema page
      handbook schema --out .vscode/schemas
    """
    from pipeline.validate import SCHEMA_DIR, SCHEMAS

    if out is None and name is None:
        raise click.UsageError("name a schema (handbook, page, references, export) or pass --out")
    if out is None:
        click.echo((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"), nl=False)
        return
    out.mkdir(parents=True, exist_ok=True)
    for each in SCHEMAS if name is None else (name,):
        target = out / f"{each}.schema.json"
        target.write_text((SCHEMA_DIR / f"{each}.schema.json").read_text(encoding="utf-8"), encoding="utf-8")
        click.echo(f"wrote {target}")


@main.command()
@click.argument("code", required=False)
@click.option("--all", "everything", is_flag=True, help="Print the documentation of every code (docs/diagnostics.md).")
def explain(code: str | None, everything: bool) -> None:
    """Explain a diagnostic code: what it checks, why, an example and the fix.

    \b
    Examples:
      handbook explain TBL003
      handbook explain --all > docs/diagnostics.md
    """
    from pipeline.codes import REGISTRY, render_markdown

    if everything:
        click.echo(render_markdown())
        return
    if code is None or code.upper() not in REGISTRY:
        raise click.UsageError(f"unknown code {code!r}; known: {', '.join(REGISTRY)}")
    c = REGISTRY[code.upper()]
    click.echo(
        f"{c.code} {c.name} (default: {c.severity.value})\n\n{c.what}\n\nWhy: {c.why}\n\n"
        f"Example:\n{c.example}\n\nFix: {c.fix}"
    )
