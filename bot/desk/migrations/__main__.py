from bot.desk.migrations import main

raise SystemExit(main())
