"""A character-level LSTM language model: train on a short inline text, then sample from it
with torch.multinomial. Runs in a few seconds; STEPS can be lowered from the command line."""
import sys

import torch
import torch.nn as nn

TEXT = ("the quick brown fox jumps over the lazy dog. "
        "a stitch in time saves nine. "
        "to be or not to be, that is the question. "
        "all that glitters is not gold. ") * 4
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 300
SEQ, BATCH, HIDDEN = 32, 16, 64

torch.manual_seed(0)
chars = sorted(set(TEXT))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in TEXT], dtype=torch.long)


class CharLM(nn.Module):
    def __init__(self, vocab, hidden):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.emb(x), state)
        return self.head(out), state


model = CharLM(len(chars), HIDDEN)
print(f"vocab={len(chars)} parameters={sum(p.numel() for p in model.parameters()):,}")
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for step in range(STEPS):
    starts = torch.randint(0, len(data) - SEQ - 1, (BATCH,))
    x = torch.stack([data[s:s + SEQ] for s in starts.tolist()])
    y = torch.stack([data[s + 1:s + SEQ + 1] for s in starts.tolist()])
    logits, _ = model(x)
    loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step % max(1, STEPS // 5) == 0 or step == STEPS - 1:
        print(f"step {step:4d} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    x = torch.tensor([[stoi["t"]]])
    state = None
    out = ["t"]
    for _ in range(60):
        logits, state = model(x, state)
        probs = torch.softmax(logits[0, -1] / 0.8, dim=-1)
        nxt = torch.multinomial(probs, 1)
        out.append(chars[nxt.item()])
        x = nxt.view(1, 1)
print("sample:", "".join(out))
