"""`python -m obslab.observability <command>`: render the committed/derived observability configs.

  rules                 re-render observability/prometheus/rules/<profile>.rules.yml from alerts.yaml
  rules-check           exit 1 if the committed rule files differ from a fresh render
  rule-tests DIR        write promtool test files for every profile into DIR (prints their paths)
  alertmanager OUT [--runtime native|compose]   render the Alertmanager config with the secrets that are set
  prometheus            render the native Prometheus config into the lab's home (prints its path)
"""

from __future__ import annotations

import sys
from pathlib import Path

from obslab.observability import alertmanager, prometheus
from obslab.observability.alerts import AlertsFileError, profiles, rules_path, rules_text, write_rules
from obslab.observability.rule_tests import write_tests
from obslab.settings import get_settings


def _usage(msg: str) -> int:
    print(f"error: {msg}\n\n{__doc__}", file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    if not argv:
        return _usage("name a command")
    cmd, args = argv[0], argv[1:]
    try:
        if cmd == "rules":
            for p in write_rules():
                print(p)
        elif cmd == "rules-check":
            stale = [str(rules_path(p)) for p in profiles()
                     if not rules_path(p).exists() or rules_path(p).read_text() != rules_text(p)]
            if stale:
                print(f"stale rule files (run `make rules`): {', '.join(stale)}", file=sys.stderr)
                return 1
            print("rule files match observability/alerts.yaml")
        elif cmd == "rule-tests":
            if len(args) != 1:
                return _usage("rule-tests needs an output folder")
            for p in profiles():
                print(write_tests(p, Path(args[0])))
        elif cmd == "alertmanager":
            if not args:
                return _usage("alertmanager needs an output file")
            runtime = args[args.index("--runtime") + 1] if "--runtime" in args else "native"
            dropped = alertmanager.write_config(get_settings(), Path(args[0]), runtime=runtime)
            print(f"{args[0]} (receivers dropped, secret unset: {', '.join(dropped) or 'none'})")
        elif cmd == "prometheus":
            print(prometheus.write_config(get_settings()))
        else:
            return _usage(f"unknown command {cmd!r}")
    except (AlertsFileError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
