# "NLP from scratch: classifying names with a character-level RNN"
import string
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2)
all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)


def letterToIndex(letter):
    return all_letters.find(letter)


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


print(lineToTensor('Jones').size())


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.rnn = nn.RNN(input_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, line_tensor):
        rnn_out, hidden = self.rnn(line_tensor)
        output = self.h2o(hidden[0])
        output = self.softmax(output)
        return output


categories = ["English", "French", "Greek"]
names = {"English": ["Smith", "Jones", "Brown"], "French": ["Dubois", "Lefevre", "Moreau"], "Greek": ["Papadopoulos", "Nikolaou", "Georgiou"]}
rnn = RNN(n_letters, 32, len(categories))
print(rnn)
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.15)
for it in range(30):
    ci = int(torch.randint(0, 3, ()).item())
    cat = categories[ci]
    name = names[cat][int(torch.randint(0, 3, ()).item())]
    output = rnn(lineToTensor(name))
    loss = criterion(output, torch.tensor([ci]))
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(rnn.parameters(), 3)
    optimizer.step()
    if it % 10 == 9:
        top_n, top_i = output.topk(1)
        print(it, f"{loss.item():.4f}", name, categories[top_i[0].item()], top_n)
with torch.no_grad():
    for name in ["Dovesky", "Jackson", "Satoshi"]:
        output = rnn(lineToTensor(name))
        topv, topi = output.topk(3, 1, True)
        print(name, [(round(topv[0][i].item(), 4), categories[topi[0][i].item()]) for i in range(3)])
        print(F.softmax(output, dim=1))


class RNNManual(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = self.i2h(combined)
        output = self.softmax(self.i2o(combined))
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


m = RNNManual(n_letters, 16, 3)
h = m.initHidden()
x = lineToTensor('Albert')
for i in range(x.size()[0]):
    out, h = m(x[i], h)
print(out, h.norm())
