"""Does a FourierHalf computed with NumPy's FFT (right values, no autograd history) lose points on
FourierHalf only?"""

import numpy as np

TARGET = "layers.FourierHalf"
CAUGHT_BY = ["test_fourier_half_gradient"]
PUBLIC = True


class FourierHalf(nn.Module):
    def forward(self, X):
        m = (X.shape[-1] + 1) // 2
        spectrum = np.fft.fft(X.detach().cpu().numpy())[..., :m]
        dtype = torch.complex64 if X.dtype == torch.float32 else torch.complex128
        return torch.from_numpy(spectrum).to(dtype=dtype, device=X.device)
