"""Finance pages: disbursement of signed agreements (拨付)."""
