"""Fine-tuning a small BERT-style encoder, as the guide's parameter tools are used in practice:
token + position embeddings, a TransformerEncoder, LayerNorm and a classification head on the
first token. Count parameters, freeze the encoder and fine-tune the head with AdamW, then
unfreeze the last layer (gradual unfreezing) and evaluate. STEPS can be lowered from the
command line."""
import sys

import torch
import torch.nn as nn

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 60
VOCAB, SEQ, DIM, HEADS, LAYERS, CLASSES = 20, 12, 32, 4, 2, 2
CLS = 1  # token 0 is padding, token 1 opens every sequence

torch.manual_seed(0)


class MiniBert(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, DIM, padding_idx=0)
        self.pos = nn.Embedding(SEQ, DIM)
        layer = nn.TransformerEncoderLayer(DIM, HEADS, dim_feedforward=64, dropout=0.1,
                                           activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(DIM)
        self.head = nn.Linear(DIM, CLASSES)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        h = self.tok(ids) + self.pos(positions)
        h = self.encoder(h, src_key_padding_mask=ids == 0)
        return self.head(self.norm(h)[:, 0])


def make_data(n):
    """Label 1 when token 7 occurs in the sequence; the rest are random, with padding."""
    ids = torch.randint(2, VOCAB, (n, SEQ))
    ids[:, 0] = CLS
    lengths = torch.randint(SEQ // 2, SEQ + 1, (n,))
    for i, length in enumerate(lengths.tolist()):
        ids[i, length:] = 0
    labels = (ids == 7).any(dim=1).long()
    return ids, labels


def parameter_counts(model):
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable, total - trainable


def report(stage, model):
    total, trainable, frozen = parameter_counts(model)
    print(f"{stage}: total={total:,} trainable={trainable:,} frozen={frozen:,}")


def train(model, ids, labels, steps, lr):
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    for step in range(steps):
        idx = torch.randint(0, ids.shape[0], (32,))
        loss = nn.functional.cross_entropy(model(ids[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def accuracy(model, ids, labels):
    model.eval()
    with torch.no_grad():
        return (model(ids).argmax(dim=1) == labels).float().mean().item()


model = MiniBert()
train_ids, train_labels = make_data(256)
test_ids, test_labels = make_data(128)
print(model.encoder.layers[0])
report("all trainable", model)
for p in list(model.tok.parameters()) + list(model.pos.parameters()) + \
        list(model.encoder.parameters()):
    p.requires_grad = False
report("encoder frozen", model)
before = accuracy(model, test_ids, test_labels)
loss = train(model, train_ids, train_labels, STEPS, 3e-3)
head_only = accuracy(model, test_ids, test_labels)
print(f"head only: loss {loss:.4f} accuracy {before:.3f} -> {head_only:.3f}")
for p in model.encoder.layers[-1].parameters():
    p.requires_grad = True
report("last layer unfrozen", model)
loss = train(model, train_ids, train_labels, STEPS, 1e-3)
print(f"last layer + head: loss {loss:.4f} accuracy {accuracy(model, test_ids, test_labels):.3f}")
