"""Does a TiedAutoencoder that caches the decoder's weight in __init__
(self.decoder_weight = self.encoder.weight.T) lose points on TiedAutoencoder only? The view shares
the weight's memory, so training and ordinary loading keep it right; .double() and an assign=True
load leave it pointing at the old tensor."""

TARGET = "tying.TiedAutoencoder"
CAUGHT_BY = ["test_autoencoder_stays_tied_after_double_and_assign_load"]
PUBLIC = True


class TiedAutoencoder(nn.Module):
    def __init__(self, n_in, n_hidden):
        super().__init__()
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder_bias = nn.Parameter(torch.zeros(n_in))
        self.decoder_weight = self.encoder.weight.T

    def forward(self, X):
        return F.linear(F.relu(self.encoder(X)), self.decoder_weight, self.decoder_bias)
