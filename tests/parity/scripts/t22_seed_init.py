import torch
import torch.nn as nn

torch.manual_seed(0)


def initialize_parameters(model, method='xavier', gain=1.0):
    for name, param in model.named_parameters():
        if 'weight' in name:
            if method == 'xavier':
                nn.init.xavier_normal_(param.data, gain=gain)
            elif method == 'kaiming':
                nn.init.kaiming_normal_(param.data, mode='fan_out', nonlinearity='relu')
            elif method == 'orthogonal':
                nn.init.orthogonal_(param.data, gain=gain)
        elif 'bias' in name:
            nn.init.zeros_(param.data)


class CustomInitNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size, init_method='xavier'):
        super(CustomInitNN, self).__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.layer2 = nn.Linear(hidden_size, output_size)
        initialize_parameters(self, method=init_method)


for method in ['xavier', 'kaiming', 'orthogonal']:
    model = CustomInitNN(10, 20, 2, init_method=method)
    for name, param in model.named_parameters():
        print(f"{name}:")
        print(f"Mean: {param.data.mean():.4f}")
        print(f"Std: {param.data.std():.4f}")
        print(param.data.mean().item(), param.data.std().item())
q = torch.empty(4, 4)
nn.init.orthogonal_(q)
print(q)
print(q @ q.t())
