from crewmux.cli import main

raise SystemExit(main())
