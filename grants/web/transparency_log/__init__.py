"""The public audit log: signed checkpoints, the verifier key, proofs and hash exports."""
