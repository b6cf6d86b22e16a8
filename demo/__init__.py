"""Demo content for the embedded mode: the seed tracks, the demo accounts and the demo
learner's plan. Sits above the apps (accounts, tracks, mentors), so none of them depends on it."""
