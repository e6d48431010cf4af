"""Does a TiedAutoencoder whose decoder has its own weight, a copy of the encoder's, lose points on
TiedAutoencoder only?"""

TARGET = "tying.TiedAutoencoder"
CAUGHT_BY = [
    "test_autoencoder_has_three_parameters",
    "test_autoencoder_gradient_sums_both_uses",
    "test_autoencoder_stays_tied_while_training",
    "test_autoencoder_stays_tied_after_save_and_load",
]
PUBLIC = True


class TiedAutoencoder(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder_weight = nn.Parameter(self.encoder.weight.detach().T.clone())
        self.decoder_bias = nn.Parameter(torch.zeros(n_in))

    def forward(self, X):
        return F.linear(F.relu(self.encoder(X)), self.decoder_weight, self.decoder_bias)
