"""Does a TiedAutoencoder whose decoder_bias is a plain tensor (not a parameter) lose points on
TiedAutoencoder only?"""

TARGET = "tying.TiedAutoencoder"
CAUGHT_BY = [
    "test_autoencoder_has_three_parameters",
    "test_autoencoder_stays_tied_while_training",
    "test_autoencoder_stays_tied_after_save_and_load",
]
PUBLIC = True


class TiedAutoencoder(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder_bias = torch.zeros(n_in, requires_grad=True)

    def forward(self, X):
        return F.linear(F.relu(self.encoder(X)), self.encoder.weight.T, self.decoder_bias)
