"""Joint exercises: planning, MSEL, the exercise clock, responses, evaluation and the
after-action report."""
