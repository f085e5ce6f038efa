"""Fund supervision pages: expenses with receipts, the finance queue, spending and settlement."""
