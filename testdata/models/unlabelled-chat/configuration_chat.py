# Configuration class loaded by transformers when trust_remote_code=True.
from transformers import PretrainedConfig


class ChatExperimentConfig(PretrainedConfig):
    model_type = "chat_experiment"
