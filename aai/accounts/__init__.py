"""Users' accounts: profile, username and email changes, deletion and restore, history,
registration and availability."""
