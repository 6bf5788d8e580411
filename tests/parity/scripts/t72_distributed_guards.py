# single-process scripts that guard their distributed code
import torch
import torch.distributed as dist
print(dist.is_initialized(), torch.distributed.is_initialized())
for f in [dist.get_rank, dist.get_world_size, dist.barrier, lambda: dist.all_reduce(torch.ones(1))]:
    try: print(f())
    except Exception as e: print(type(e).__name__, e)
print(dist.ReduceOp.SUM, dist.is_torchelastic_launched(), dist.is_nccl_available())
rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
print("rank", rank)
