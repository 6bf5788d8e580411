import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset


class ParameterMonitor:
    def __init__(self, model):
        self.model = model
        self.param_history = {}

    def record_parameters(self, epoch):
        for name, param in self.model.named_parameters():
            if name not in self.param_history:
                self.param_history[name] = []
            stats = {
                'epoch': epoch,
                'mean': param.data.mean().item(),
                'std': param.data.std().item(),
                'grad_mean': param.grad.mean().item() if param.grad is not None else 0
            }
            self.param_history[name].append(stats)


class SimpleModel(nn.Module):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.fc1 = nn.Linear(2, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return x


def train_with_monitoring(model, criterion, optimizer, train_loader, num_epochs):
    monitor = ParameterMonitor(model)
    for epoch in range(num_epochs):
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
        monitor.record_parameters(epoch)
    return monitor.param_history


if __name__ == "__main__":
    torch.manual_seed(42)
    X = torch.rand((100, 2))
    y = torch.rand((100, 1))
    dataset = TensorDataset(X, y)
    train_loader = DataLoader(dataset, batch_size=10, shuffle=True)
    model = SimpleModel()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    param_history = train_with_monitoring(model, criterion, optimizer, train_loader, num_epochs=5)
    for param_name, stats in param_history.items():
        print(f"Parameter: {param_name}")
        for stat in stats:
            print(f"  Epoch {stat['epoch']}: Mean={stat['mean']:.4f}, Std={stat['std']:.4f}, Grad Mean={stat['grad_mean']:.4f}")
            print(stat)
