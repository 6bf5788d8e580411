# The text-classification tutorial's model: EmbeddingBag with offsets, a Linear head, SGD + StepLR, clip_grad_norm_
import time
import torch
from torch import nn
from torch.utils.data import DataLoader

torch.manual_seed(0)
vocab_size, emsize, num_class = 500, 16, 4
data = [(int(torch.randint(0, 4, ()).item()), torch.randint(0, vocab_size, (int(torch.randint(3, 12, ()).item()),)).tolist()) for _ in range(96)]


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(_label)
        processed_text = torch.tensor(_text, dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list, text_list, offsets


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


model = TextClassificationModel(vocab_size, emsize, num_class)
print(model)
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=5)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
dataloader = DataLoader(data, batch_size=8, shuffle=True, collate_fn=collate_batch)
for epoch in range(1, 4):
    model.train()
    total_acc, total_count = 0, 0
    for idx, (label, text, offsets) in enumerate(dataloader):
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
    print("| epoch {:3d} | accuracy {:8.3f} | lr {}".format(epoch, total_acc / total_count, scheduler.get_last_lr()))
    scheduler.step()
with torch.no_grad():
    text = torch.tensor([1, 2, 3, 4])
    output = model(text, torch.tensor([0]))
    print(output.argmax(1).item() + 1, output)
bag = nn.EmbeddingBag(10, 3, mode='max')
print(bag(torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 4])))
bag2 = nn.EmbeddingBag(10, 3, mode='sum', padding_idx=2)
print(bag2(torch.tensor([[1, 2, 4], [5, 2, 3]])))
print(nn.EmbeddingBag.from_pretrained(torch.arange(12.).view(4, 3), mode='mean')(torch.tensor([[0, 1], [2, 3]])))
