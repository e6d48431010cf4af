"""Does a TiedAutoencoder written with register_parameter and matrix products keep full marks?"""

ITEM = "tying.TiedAutoencoder"


class TiedAutoencoder(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.register_parameter("decoder_bias", nn.Parameter(torch.zeros(n_in)))
        self.encoder = nn.Linear(n_in, n_hidden)

    def forward(self, X):
        W = self.encoder.weight
        hidden = torch.relu(X @ W.T + self.encoder.bias)
        return hidden @ W + self.decoder_bias
