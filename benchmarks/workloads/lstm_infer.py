"""Workload: single-sequence LSTM inference, token by token (a chatbot's generation loop).

Embedding(1000, 256) -> 1-layer LSTM(256, 256) -> Linear(256, 1000), batch 1, eval mode under
no_grad; each step feeds one token of shape (1, 1) and the carried (h, c), then takes the argmax
of the logits as the next token. 50 tokens per timed block.
"""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")

VOCAB, HIDDEN, TOKENS = 1000, 256, 50


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, HIDDEN)
        self.lstm = nn.LSTM(HIDDEN, HIDDEN, 1)
        self.out = nn.Linear(HIDDEN, VOCAB)

    def forward(self, token, hidden):
        output, hidden = self.lstm(self.embed(token), hidden)
        return self.out(output[0]), hidden


torch.manual_seed(0)
model = Decoder()
model.eval()


def run():
    with torch.no_grad():
        token = torch.zeros((1, 1), dtype=torch.int64)
        hidden = (torch.zeros(1, 1, HIDDEN), torch.zeros(1, 1, HIDDEN))
        for _ in range(TOKENS):
            logits, hidden = model(token, hidden)
            token = logits.argmax(dim=1, keepdim=True)


samples = _common.time_per_unit(run, TOKENS, _common.repeats(15, quick), warmup=2)
_common.emit(torch, samples)
