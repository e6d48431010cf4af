"""Does a TiedAutoencoder whose decoder uses encoder.weight.detach() lose points on TiedAutoencoder
only?"""

TARGET = "tying.TiedAutoencoder"
CAUGHT_BY = [
    "test_autoencoder_gradient_sums_both_uses",
    "test_autoencoder_stays_tied_while_training",
]
PUBLIC = True


class TiedAutoencoder(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder_bias = nn.Parameter(torch.zeros(n_in))

    def forward(self, X):
        return F.linear(F.relu(self.encoder(X)), self.encoder.weight.detach().T, self.decoder_bias)
