"""Does a file that seeds torch's generator at import (torch.manual_seed, as many notebooks do)
keep full marks? (torch.manual_seed queues CUDA's lazy seeding with the formatted stack, which
the audit hook refused: the whole section failed to load.)"""

ITEM = "modules.MLP"

torch.manual_seed(42)
