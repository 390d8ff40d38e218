"""``crewmux bench``: suites of tasks run against models in single-call and team modes,
scored by hidden checks, reported as JSON lines, summary.json, report.md and a chart."""
