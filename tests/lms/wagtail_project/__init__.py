"""A throwaway Wagtail site with wagtail-lms, for the real-LMS tests: settings from the environment."""
