"""Does a FourierHalf that returns torch.fft.rfft(X) (n/2 + 1 coefficients when n is even) lose
points on FourierHalf only?"""

TARGET = "layers.FourierHalf"
CAUGHT_BY = ["test_fourier_half_output", "test_fourier_half_batch_dims"]
PUBLIC = True


class FourierHalf(nn.Module):
    def forward(self, X):
        return torch.fft.rfft(X)
