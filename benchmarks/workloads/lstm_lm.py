"""Workload: a word-level LSTM language model training step (the classic word_language_model).

Vocabulary 2000, embedding and hidden size 200, 2 LSTM layers, sequence 35, batch 20; decoder
Linear back to the vocabulary, cross_entropy, clip_grad_norm_(0.25), plain SGD (lr 20). The
hidden state is carried between steps and detached, as in the original script.
"""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")
F = importlib.import_module(name + ".nn.functional")
optim = importlib.import_module(name + ".optim")

VOCAB, EMB, HIDDEN, LAYERS, SEQ, BATCH = 2000, 200, 200, 2, 35, 20


class RNNModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(VOCAB, EMB)
        self.rnn = nn.LSTM(EMB, HIDDEN, LAYERS)
        self.decoder = nn.Linear(HIDDEN, VOCAB)

    def forward(self, tokens, hidden):
        output, hidden = self.rnn(self.encoder(tokens), hidden)
        return self.decoder(output).reshape(-1, VOCAB), hidden


torch.manual_seed(0)
model = RNNModel()
model.train()
optimizer = optim.SGD(model.parameters(), lr=20.0)
tokens = torch.randint(0, VOCAB, (SEQ + 1, BATCH))
inputs, targets = tokens[:-1], tokens[1:].reshape(-1)
state = [(torch.zeros(LAYERS, BATCH, HIDDEN), torch.zeros(LAYERS, BATCH, HIDDEN))]
STEPS = 3


def run():
    for _ in range(STEPS):
        hidden = tuple(h.detach() for h in state[0])
        optimizer.zero_grad()
        output, hidden = model(inputs, hidden)
        F.cross_entropy(output, targets).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()
        state[0] = hidden


samples = _common.time_per_unit(run, STEPS, _common.repeats(10, quick), warmup=2)
_common.emit(torch, samples)
