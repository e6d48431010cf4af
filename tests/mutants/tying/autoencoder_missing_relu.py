"""Does a TiedAutoencoder without the ReLU lose points on TiedAutoencoder only?"""

TARGET = "tying.TiedAutoencoder"
CAUGHT_BY = ["test_autoencoder_output"]
PUBLIC = True


class TiedAutoencoder(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder_bias = nn.Parameter(torch.zeros(n_in))

    def forward(self, X):
        return F.linear(self.encoder(X), self.encoder.weight.T, self.decoder_bias)
