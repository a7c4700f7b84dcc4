"""Facts about a module shared by every rule: names, scopes, test-code roles."""
