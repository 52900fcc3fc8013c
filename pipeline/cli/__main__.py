from pipeline.__main__ import main

raise SystemExit(main())
