"""Development plans: a person's individual plan and a municipality's plan."""
