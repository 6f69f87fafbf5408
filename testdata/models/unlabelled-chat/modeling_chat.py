# Model code loaded by transformers when trust_remote_code=True.
import torch


class ChatExperimentForCausalLM(torch.nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed = torch.nn.Embedding(config.vocab_size, config.hidden_size)
