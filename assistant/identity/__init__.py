"""Who acts: roles, local and OIDC login, demo mode (auth.py). Accounts themselves live in the
case log (assistant.cases.users)."""
