"""Does my_init built from a sign, a magnitude U(5, 10) and a Bernoulli(½) mask with torch.where keep full marks?"""

ITEM = "initialization.my_init"


def my_init(m):
    if type(m) is nn.Linear:
        shape = m.weight.shape
        magnitude = torch.empty(shape).uniform_(5, 10)
        sign = torch.where(torch.rand(shape) < 0.5, -1.0, 1.0)
        keep = torch.rand(shape) < 0.5
        values = torch.where(keep, sign * magnitude, torch.zeros(shape))
        with torch.no_grad():
            m.weight.copy_(values)
