# A word-level LSTM language model step as tutorials write it: Embedding, 2-layer LSTM with
# dropout, Linear decoder, cross_entropy, SGD with clip_grad_norm_; then a packed GRU
# classifier over variable-length sequences.
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)


class LM(nn.Module):
    def __init__(self, vocab=50, dim=16, hidden=16):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.rnn = nn.LSTM(dim, hidden, num_layers=2, dropout=0.2)
        self.norm = nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x, h=None):
        o, h = self.rnn(self.emb(x), h)
        return self.out(self.norm(o)), h


model = LM()
print(model)
print(sum(p.numel() for p in model.parameters()))
print([name for name, _ in model.named_parameters()])
opt = torch.optim.SGD(model.parameters(), lr=0.5)
x = torch.randint(0, 50, (12, 4))
y = torch.randint(0, 50, (12, 4))
hidden = None
for step in range(4):
    out, hidden = model(x, hidden)
    hidden = tuple(h.detach() for h in hidden)
    loss = nn.functional.cross_entropy(out.reshape(-1, 50), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 0.25)
    opt.step()
    print(step, round(loss.item(), 4))
model.eval()
with torch.no_grad():
    out, (h, c) = model(x[:3, :1])
print(out.shape, h.shape, c.shape)

gru = nn.GRU(3, 5, batch_first=True, bidirectional=True)
seqs = [torch.randn(n, 3) for n in (4, 2, 5)]
lengths = torch.tensor([4, 2, 5])
padded = pad_sequence(seqs, batch_first=True)
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
out, h = gru(packed)
unpacked, lens = pad_packed_sequence(out, batch_first=True)
print(unpacked.shape, lens.tolist(), h.shape)
print(round(unpacked.sum().item(), 3), round(h.abs().sum().item(), 3))
try:
    gru(torch.randn(2, 4, 7))
except RuntimeError as e:
    print("RuntimeError", e)
