"""SCORM packaging: manifests, deterministic zips, the run-time the packages carry, and the verifier."""
