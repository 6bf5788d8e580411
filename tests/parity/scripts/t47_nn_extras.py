"""Further activations and losses on seeded data, a weight-normed layer and a ParameterList
model trained a few steps, printed as a tutorial prints them."""
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
x = torch.randn(4, 6)
print("input:\n", x)

acts = [nn.Hardtanh(), nn.ReLU6(), nn.Hardsigmoid(), nn.Hardswish(), nn.Mish(), nn.SELU(),
        nn.CELU(alpha=0.5), nn.GLU(), nn.LogSigmoid(), nn.PReLU(), nn.Softsign(),
        nn.Softshrink(0.3), nn.Hardshrink(0.3), nn.Tanhshrink(), nn.Threshold(0.1, -1.0),
        nn.Softmin(dim=1)]
for act in acts:
    print(act, "->", act(x).detach()[0])

rrelu = nn.RReLU()
print(rrelu, "train:", rrelu(x)[1])
rrelu.eval()
print("eval:", rrelu(x)[1])
print(nn.Softmax2d()(x.reshape(1, 2, 3, 4)).sum(1))

target = torch.randn(4, 6)
labels = torch.tensor([1, 0, 5, 2])
sign = torch.tensor([1.0, -1.0, 1.0, -1.0])
losses = {
    "KLDivLoss": nn.KLDivLoss(reduction="batchmean")(F.log_softmax(x, 1), F.softmax(target, 1)),
    "PoissonNLLLoss": nn.PoissonNLLLoss()(x, target.abs()),
    "GaussianNLLLoss": nn.GaussianNLLLoss()(x, target, torch.ones(4, 6) * 0.5),
    "CosineEmbeddingLoss": nn.CosineEmbeddingLoss()(x, target, sign),
    "HingeEmbeddingLoss": nn.HingeEmbeddingLoss()(x, torch.ones(4, 6)),
    "MarginRankingLoss": nn.MarginRankingLoss(0.1)(x[:, 0], target[:, 0], sign),
    "MultiLabelMarginLoss": nn.MultiLabelMarginLoss()(
        x, torch.tensor([[1, 3, -1, 0, 0, 0], [0, -1, 0, 0, 0, 0], [5, 4, 3, -1, 0, 0],
                         [2, -1, 0, 0, 0, 0]])),
    "MultiLabelSoftMarginLoss": nn.MultiLabelSoftMarginLoss()(x, (target > 0).float()),
    "MultiMarginLoss": nn.MultiMarginLoss()(x, labels),
    "SoftMarginLoss": nn.SoftMarginLoss()(x, target.sign()),
    "TripletMarginLoss": nn.TripletMarginLoss()(x, target, x[[3, 2, 1, 0]]),
    "CrossEntropyLoss(smoothing, ignore)": nn.CrossEntropyLoss(
        label_smoothing=0.1, ignore_index=0)(x, labels),
    "CrossEntropyLoss(N, C, d)": nn.CrossEntropyLoss()(x.reshape(2, 3, 4),
                                                        torch.tensor([[0, 1, 2, 1],
                                                                      [2, 2, 0, 1]])),
}
for name, value in losses.items():
    print(f"{name}: {value.item():.4f}")

log_probs = torch.randn(8, 2, 5).log_softmax(2).detach().requires_grad_()
ctc = nn.CTCLoss()(log_probs, torch.tensor([[1, 2, 2], [3, 4, 0]]), torch.tensor([8, 6]),
                   torch.tensor([3, 2]))
ctc.backward()
print(f"CTCLoss: {ctc.item():.4f}", "grad sum:", round(log_probs.grad.abs().sum().item(), 3))
print("pdist:", F.pdist(x[:3]))
print("cosine_similarity:", F.cosine_similarity(x, target))

layer = nn.utils.parametrizations.weight_norm(nn.Linear(6, 3))
print(layer)
print([k for k in layer.state_dict()])
print("g:", layer.parametrizations.weight.original0.detach().squeeze(1))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.randn(6, 6) * 0.3)
                                         for _ in range(2)])
        self.head = nn.Bilinear(6, 6, 1)

    def forward(self, a):
        h = a
        for w in self.weights:
            h = F.hardswish(h @ w)
        return self.head(h, a).squeeze(1)


model = Model()
print(model)
opt = torch.optim.Adafactor(model.parameters(), lr=0.05)
y = torch.randn(4)
for step in range(5):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    print(step, f"{loss.item():.4f}")
print(sorted(opt.state_dict()["state"][0].keys()))
