from kitdesk.cli import main

raise SystemExit(main())
