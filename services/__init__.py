"""Services above the store: what joins stored content with the domain code built from it
(the scorer, the dialogue rules, simulated trainees), so that store/ imports no domain module
it does not persist."""
