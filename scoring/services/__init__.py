"""Write workflows of scoring: criteria sets, rounds, scorecards."""
