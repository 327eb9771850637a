"""Build the curated tables in ``datasets/`` from the raw public files.

Run from the repository root::

    python datasets/build_datasets.py --raw ../shared/data --out datasets

Every output row says where it came from (``source`` columns). The raw files are
never read at run time: the package reads only the tables this script writes.
The output is deterministic, so ``tests/test_datasets.py`` rebuilds the tables
into a temporary folder (when the raw files are present) and checks that they
match the committed ones byte for byte.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

CHINCHILLA_SOURCE = (
    "Hoffmann et al. 2022 Fig. 4 (left), digitised by Epoch AI (Besiroglu et al. 2024), "
    "epoch-research/analyzing-chinchilla data/svg_extracted_data.csv"
)
HARDWARE_SOURCE = "Epoch AI, Machine Learning Hardware database (CC BY 4.0)"
PRICES_SOURCE = "Epoch AI, training-cost-trends 'Hardware prices.csv' (CC BY 4.0)"
PPI_SOURCE = "US BLS producer price index PCU518210518210 via FRED, as used by Epoch AI"
EPOCH_SYSTEMS_SOURCE = (
    "Epoch AI, Data on AI Models (CC BY 4.0), epoch-research/training-cost-trends commit 39afc3d "
    "'data/All ML Systems - full view.csv'; cost: Cottier et al. 2024, arXiv:2405.21015"
)
MUENNIGHOFF_SOURCE = (
    "Muennighoff et al. 2023, Scaling Data-Constrained Language Models (arXiv:2305.16264), "
    "huggingface/datablations commit 1370131 utils/parametric_fit.ipynb (Apache-2.0)"
)
#: A run is excluded when a run on the same unique data with no more parameters and no more
#: tokens reached a loss lower by more than this factor (the law cannot express it).
OVERFIT_FACTOR = 1.05

#: Number of highest-loss runs the Epoch replication leaves out.
N_EPOCH_EXCLUDED = 5

# Short names a user types (``--hardware tpu-v4``) for the rows of the Epoch table
# that the seed article and common practice mean by them.
ALIASES = {
    "NVIDIA Tesla V100 SXM2": "v100",
    "NVIDIA A100 SXM4 40 GB": "a100",
    "NVIDIA A100 SXM4 80 GB": "a100-80gb",
    "NVIDIA H100 SXM5 80GB": "h100",
    "NVIDIA H100 PCIe": "h100-pcie",
    "NVIDIA H200 SXM": "h200",
    "NVIDIA B200": "b200",
    "NVIDIA GB200": "gb200",
    "NVIDIA Tesla P100 SXM2": "p100",
    "NVIDIA Tesla T4": "t4",
    "Google TPU v2": "tpu-v2",
    "Google TPU v3": "tpu-v3",
    "Google TPU v4": "tpu-v4",
    "Google TPU v5e": "tpu-v5e",
    "Google TPU v5p": "tpu-v5p",
    "Google TPU v6e Trillium": "tpu-v6e",
    "AMD Instinct MI300X": "mi300x",
    "AMD Instinct MI325X": "mi325x",
}

CONSUMER = re.compile(r"GeForce|Radeon RX|Radeon VII|TITAN", re.IGNORECASE)
WORKSTATION = re.compile(r"Quadro|RTX A\d|RTX \d000 Ada|Radeon Pro", re.IGNORECASE)

# Reference models: facts from the papers (and the PaLM paper's Table 3 for MFU).
REFERENCE_MODELS = [
    # name, organisation, date, n_params, n_tokens, compute_flops, hardware, mfu, source
    ("GPT-3", "OpenAI", "2020-05-28", 175e9, 300e9, 3.14e23, "NVIDIA V100", 0.213,
     "Brown et al. 2020, Language Models are Few-Shot Learners; MFU from Chowdhery et al. 2022 Table 3"),
    ("Gopher", "DeepMind", "2021-12-08", 280e9, 300e9, 5.04e23, "Google TPU v3", 0.325,
     "Rae et al. 2021, Scaling Language Models: Methods, Analysis & Insights from Training Gopher; MFU from Chowdhery et al. 2022 Table 3"),
    ("MT-NLG", "Microsoft/NVIDIA", "2022-01-28", 530e9, 270e9, 8.586e23, "NVIDIA A100 SXM4 80 GB", 0.302,
     "Smith et al. 2022, Using DeepSpeed and Megatron to Train Megatron-Turing NLG 530B; MFU from Chowdhery et al. 2022 Table 3"),
    ("Chinchilla", "DeepMind", "2022-03-29", 70e9, 1.4e12, 5.88e23, "Google TPU v3/v4", np.nan,
     "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models"),
    ("PaLM", "Google", "2022-04-04", 540e9, 780e9, 2.5272e24, "Google TPU v4", 0.462,
     "Chowdhery et al. 2022, PaLM: Scaling Language Modeling with Pathways, Table 3"),
    ("OPT-175B", "Meta", "2022-05-02", 175e9, 180e9, 1.89e23, "NVIDIA A100 SXM4 80 GB", np.nan,
     "Zhang et al. 2022, OPT: Open Pre-trained Transformer Language Models"),
    ("LLaMA-65B", "Meta", "2023-02-24", 65.2e9, 1.4e12, 5.4768e23, "NVIDIA A100 SXM4 80 GB", np.nan,
     "Touvron et al. 2023, LLaMA: Open and Efficient Foundation Language Models"),
    ("Llama-2-70B", "Meta", "2023-07-18", 70e9, 2.0e12, 8.4e23, "NVIDIA A100 SXM4 80 GB", np.nan,
     "Touvron et al. 2023, Llama 2: Open Foundation and Fine-Tuned Chat Models"),
    ("Llama-3-70B", "Meta", "2024-04-18", 70e9, 15e12, 6.3e24, "NVIDIA H100 SXM5 80GB", np.nan,
     "Meta 2024, Llama 3 model card (15T+ tokens)"),
    ("Llama-3.1-405B", "Meta", "2024-07-23", 405e9, 15.6e12, 3.8e25, "NVIDIA H100 SXM5 80GB", 0.38,
     "Grattafiori et al. 2024, The Llama 3 Herd of Models (3.8e25 FLOPs; BF16 MFU 38-43%, lower end)"),
]


# Published API list prices of models at or above GPT-3's MMLU (43.9%, Hendrycks et al. 2021),
# hand-entered with their sources: the market side of validation/market_checks.py.
API_PRICES = [
    # date, model, provider, usd_per_million_tokens, price_basis, n_params, mmlu_fraction, source
    ("2021-11-18", "GPT-3 davinci", "OpenAI", 60.0, "input and output", 175e9, 0.439,
     "https://a16z.com/llmflation-llm-inference-cost (a16z 2024, LLMflation: $0.06/1K tokens when the API "
     "opened to all, Nov 2021; cheapest model with MMLU >= 42); MMLU 43.9% 5-shot: Hendrycks et al. 2021, "
     "arXiv:2009.03300"),
    ("2022-11-28", "text-davinci-003 (GPT-3.5)", "OpenAI", 20.0, "input and output", np.nan, 0.648,
     "https://hai.stanford.edu/ai-index/2025-ai-index-report (Stanford AI Index 2025, ch. 1: "
     "GPT-3.5-level, MMLU 64.8%, $20 per million tokens in Nov 2022)"),
    ("2023-03-01", "gpt-3.5-turbo", "OpenAI", 2.0, "input and output", np.nan, 0.70,
     "https://openai.com/index/introducing-chatgpt-and-whisper-apis/ ($0.002 per 1K tokens); "
     "MMLU 70.0%: OpenAI 2023, GPT-4 Technical Report, arXiv:2303.08774, Table 2"),
    ("2024-01-25", "gpt-3.5-turbo-0125", "OpenAI", 0.5, "input ($1.50 output)", np.nan, 0.70,
     "https://openai.com/index/new-embedding-models-and-api-updates/ ($0.0005 per 1K input tokens)"),
    ("2024-07-18", "gpt-4o-mini", "OpenAI", 0.15, "input ($0.60 output)", np.nan, 0.82,
     "https://openai.com/index/gpt-4o-mini-advancing-cost-efficient-intelligence/ (MMLU 82.0%)"),
    ("2024-10-01", "Gemini-1.5-Flash-8B", "Google", 0.07, "cheapest at MMLU >= 64.8%", 8e9, 0.648,
     "https://hai.stanford.edu/ai-index/2025-ai-index-report (Stanford AI Index 2025, ch. 1: "
     "GPT-3.5-level, MMLU 64.8%, $0.07 per million tokens in Oct 2024; MMLU is the threshold, not the "
     "model's score)"),
    ("2024-11-12", "Llama 3.2 3B Instruct", "Together AI", 0.06, "input and output", 3.21e9, 0.634,
     "https://a16z.com/llmflation-llm-inference-cost (cheapest model with MMLU >= 42 at the time of writing); "
     "MMLU 63.4%: Meta 2024, Llama 3.2 model card"),
]


def build_api_prices() -> pd.DataFrame:
    """Published API prices per million tokens (``API_PRICES``), one row per dated price."""
    cols = ["date", "model", "provider", "usd_per_million_tokens", "price_basis", "n_params", "mmlu_fraction",
            "source"]
    out = pd.DataFrame(API_PRICES, columns=cols)
    out.insert(len(cols) - 1, "source_url", out["source"].map(_first_url))
    return out


def build_epoch_training_costs(raw: Path) -> pd.DataFrame:
    """The models of Epoch AI's table that carry Cottier et al.'s training cost (2023 USD).

    Every such row is kept (a model without compute or hardware is left out later, by the
    check that needs them, and counted there). ``cost_usd_2023`` is "Training compute cost
    (2023 USD)": amortised hardware capital plus energy (Cottier et al. 2024,
    arXiv:2405.21015).
    """
    df = pd.read_csv(raw / "epoch" / "all_ml_systems.csv")
    df = df[df["Training compute cost (2023 USD)"].notna()]
    out = pd.DataFrame({
        "model": df["Model"].str.strip(),
        "organization": df["Organization"].fillna("").str.strip(),
        "domain": df["Domain"].fillna("").str.strip(),
        "publication_date": pd.to_datetime(df["Publication date"]).dt.strftime("%Y-%m-%d"),
        "compute_flops": pd.to_numeric(df["Training compute (FLOP)"], errors="coerce"),
        "hardware": df["Training hardware"].fillna("").str.strip(),
        "n_chips": pd.to_numeric(df["Hardware quantity"], errors="coerce"),
        "mfu": pd.to_numeric(df["Hardware utilization (MFU)"], errors="coerce"),
        "training_time_hours": pd.to_numeric(df["Training time (hours)"], errors="coerce"),
        "chip_hours": pd.to_numeric(df["Training chip-hours"], errors="coerce"),
        "cost_usd_2023": df["Training compute cost (2023 USD)"].astype(str)
        .str.replace(r"[$,\s]", "", regex=True).astype(float),
        "source": EPOCH_SYSTEMS_SOURCE,
    })
    return out.sort_values(["publication_date", "model"], kind="stable").reset_index(drop=True)


# --- capability: benchmark accuracies of public base models ---------------------------------
CAPABILITY_SOURCE = (
    "Ruan, Maddison & Hashimoto 2024, Observational Scaling Laws and the Predictability of Language "
    "Model Performance (arXiv:2405.10938), ryoungj/ObsScaling commit 4d6e1e4 "
    "eval_results/base_llm_benchmark_eval.csv (Apache-2.0)"
)
EPOCH_SOURCE = "Epoch AI, Data on AI Models (CC BY 4.0)"

#: raw column -> our column (accuracy, 0-1). "Winograd" in the source is WinoGrande (5-shot,
#: Open LLM Leaderboard protocol), so the column is named after the benchmark actually run.
CAPABILITY_BENCHMARKS = {
    "MMLU": "mmlu", "ARC-C": "arc_c", "HellaSwag": "hellaswag", "Winograd": "winogrande",
    "TruthfulQA": "truthfulqa", "GSM8K": "gsm8k", "XWinograd": "xwinograd", "HumanEval": "humaneval",
}

# Dating rule. A model takes the publication date of the Epoch AI row named here, matched by hand
# (same organisation; "same": Epoch's row is this model under another spelling; "sibling": another
# size of the same release, i.e. the same paper or announcement, so the same date). Every name
# must occur exactly once in the Epoch table, else the build stops. A model with no Epoch row takes
# a date from OTHER_DATES (its paper or announcement, cited per row); every other model gets a
# blank date and `date_source` says so.
EPOCH_MATCH = {
    "meta-llama/Llama-2-7b-hf": ("Llama 2-7B", "same"),
    "huggyllama/llama-7b": ("LLaMA-65B", "sibling"),
    "huggyllama/llama-13b": ("LLaMA-65B", "sibling"),
    "Qwen/Qwen1.5-110B": ("Qwen1.5-110B", "same"),
    "Qwen/Qwen1.5-4B": ("Qwen1.5-7B", "sibling"),
    "Qwen/Qwen1.5-1.8B": ("Qwen1.5-7B", "sibling"),
    "Qwen/Qwen1.5-0.5B": ("Qwen1.5-7B", "sibling"),
    "Qwen/Qwen2-72B": ("Qwen2-72B", "same"),
    "Qwen/Qwen2-57B-A14B": ("Qwen2-57B-A14B", "same"),
    "Qwen/Qwen2-7B": ("Qwen2-7B", "same"),
    "Qwen/Qwen2-1.5B": ("Qwen2-7B", "sibling"),
    "Qwen/Qwen2-0.5B": ("Qwen2-7B", "sibling"),
    "mistralai/Mistral-7B-v0.1": ("Mistral 7B", "same"),
    "mistralai/Mixtral-8x7B-v0.1": ("Mixtral 8x7B", "same"),
    "mistralai/Mixtral-8x22B-v0.1": ("Mixtral 8x22B", "same"),
    "mistralai/Mistral-Nemo-Base-2407": ("Mistral NeMo", "same"),
    "google/gemma-2b": ("Gemma 2B", "same"),
    "google/gemma-2-2b": ("Gemma 2 2B", "same"),
    "ai21labs/Jamba-v0.1": ("Jamba", "same"),
    "tiiuae/falcon-7b": ("Falcon-7B", "same"),
    "microsoft/phi-2": ("Phi-2", "same"),
    "microsoft/phi-1_5": ("Phi-1.5", "same"),
    **{f"EleutherAI/pythia-{s}-deduped": ("Pythia-12b", "sibling" if s != "12b" else "same")
       for s in ("70m", "160m", "410m", "1b", "1.4b", "2.8b", "6.9b", "12b")},
    **{f"bigscience/bloom-{s}": ("BLOOM-7.1B", "sibling" if s != "7b1" else "same")
       for s in ("560m", "1b1", "3b", "7b1")},
    "EleutherAI/gpt-neox-20b": ("GPT-NeoX-20B", "same"),
    "EleutherAI/gpt-j-6b": ("GPT-J-6B", "same"),
    **{f"facebook/opt-{s}": ("OPT-175B", "sibling") for s in ("125m", "350m", "1.3b", "2.7b", "6.7b", "13b", "30b", "66b")},
    **{f"facebook/xglm-{s}": ("XGLM-7.5B", "sibling" if s != "7.5B" else "same")
       for s in ("564M", "1.7B", "4.5B", "7.5B")},
    "bigcode/starcoder2-3b": ("StarCoder 2 15B", "sibling"),
    "deepseek-ai/deepseek-coder-1.3b-base": ("DeepSeek Coder 33B", "sibling"),
    "deepseek-ai/deepseek-coder-6.7b-base": ("DeepSeek Coder 33B", "sibling"),
    "openlm-research/open_llama_13b": ("OpenLLaMA-13B", "same"),
    "openlm-research/open_llama_7b": ("OpenLLaMA-13B", "sibling"),
    "openlm-research/open_llama_3b": ("OpenLLaMA-13B", "sibling"),
    **{f"openai-community/{s}": ("GPT-2 (1.5B)", "sibling" if s != "gpt2-xl" else "same")
       for s in ("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl")},
    "internlm/internlm2-20b": ("InternLM2-20B", "same"),
    "internlm/internlm2-7b": ("InternLM2-20B", "sibling"),
    "deepseek-ai/deepseek-llm-7b-base": ("DeepSeek LLM 67B", "sibling"),
    "stabilityai/stablelm-2-1_6b": ("StableLM-2-1.6B", "same"),
    # Epoch's "StableLM-Base-Alpha-7B" (6.89B parameters, 4.5e22 FLOPs = 1.1T tokens) is the v2 model
    "stabilityai/stablelm-base-alpha-7b-v2": ("StableLM-Base-Alpha-7B", "same"),
    **{f"RWKV/rwkv-4-{s}-pile": ("RWKV-4 14B", "sibling" if s != "14b" else "same")
       for s in ("169m", "430m", "1b5", "3b", "7b", "14b")},
    "LLM360/Amber": ("Amber", "same"),
    "Salesforce/codegen-6B-nl": ("CodeGen-Mono 16.1B", "sibling"),
    "Salesforce/codegen-16B-nl": ("CodeGen-Mono 16.1B", "sibling"),
    "HuggingFaceTB/SmolLM-135M": ("SmolLM-1.7B", "sibling"),
    "HuggingFaceTB/SmolLM-360M": ("SmolLM-1.7B", "sibling"),
    "HuggingFaceTB/SmolLM-1.7B": ("SmolLM-1.7B", "same"),
    **{f"cerebras/Cerebras-GPT-{s}": ("Cerebras-GPT-13B", "sibling") for s in ("111M", "256M", "590M", "1.3B", "2.7B", "6.7B")},
    "allenai/OLMo-1B-hf": ("OLMo-7B", "sibling"),
}

#: Models Epoch does not list (nor any sibling of the same release): date and its source.
OTHER_DATES = {
    "EleutherAI/gpt-neo-125m": ("2021-03-21", "Black et al. 2021, GPT-Neo (Zenodo, doi:10.5281/zenodo.5297715), release date"),
    "EleutherAI/gpt-neo-1.3B": ("2021-03-21", "Black et al. 2021, GPT-Neo (Zenodo, doi:10.5281/zenodo.5297715), release date"),
    "EleutherAI/gpt-neo-2.7B": ("2021-03-21", "Black et al. 2021, GPT-Neo (Zenodo, doi:10.5281/zenodo.5297715), release date"),
    "mosaicml/mpt-7b": ("2023-05-05", "MosaicML announcement, Introducing MPT-7B, https://www.databricks.com/blog/mpt-7b"),
    "tiiuae/falcon-rw-1b": ("2023-06-01", "Penedo et al. 2023, The RefinedWeb Dataset for Falcon LLM, arXiv:2306.01116 (first version)"),
    "stabilityai/stablelm-base-alpha-3b": ("2023-04-19", "Stability AI announcement of the StableLM alpha suite, https://stability.ai/news/stability-ai-launches-the-first-of-its-stablelm-suite-of-language-models"),
    "stabilityai/stablelm-base-alpha-7b": ("2023-04-19", "Stability AI announcement of the StableLM alpha suite, https://stability.ai/news/stability-ai-launches-the-first-of-its-stablelm-suite-of-language-models"),
    "togethercomputer/RedPajama-INCITE-Base-3B-v1": ("2023-05-05", "Together announcement, Releasing 3B and 7B RedPajama-INCITE family of models, https://www.together.ai/blog/redpajama-models-v1"),
    "togethercomputer/RedPajama-INCITE-Base-7B-v0.1": ("2023-05-05", "Together announcement, Releasing 3B and 7B RedPajama-INCITE family of models, https://www.together.ai/blog/redpajama-models-v1"),
}

#: Corrections of the raw table, each with its reason (the row's `note` says so).
CAPABILITY_CORRECTIONS = {
    "openlm-research/open_llama_7b_v2": (
        {"Model Size (B)": 7.0, "FLOPs (1E21)": 42.0},
        "source lists 13B parameters and 7.8e22 FLOPs (llama-13b's values); the model has 7B "
        "(openlm-research/open_llama_7b_v2 model card): corrected to 7B and 6 x 7e9 x 1e12 = 4.2e22 FLOPs",
    ),
}

#: Notes on raw rows kept as published.
CAPABILITY_NOTES = {
    "mistralai/Mixtral-8x22B-v0.1": "n_params as in the source (39B active parameters; 141B in total)",
    "mistralai/Mixtral-8x7B-v0.1": "n_params as in the source (45B, about the 46.7B total; 13B active)",
    "Qwen/Qwen2-57B-A14B": "n_params as in the source (24B: neither the 57B total nor the 14B active)",
    "RWKV/rwkv-raven-14b": "instruction-tuned from rwkv-4-14b-pile (Raven), kept as in the source",
}

# GPT-3 (davinci), the reference: role "reference", left out of fits by default.
GPT3_MMLU_SOURCE = "Hendrycks et al. 2021, Measuring Massive Multitask Language Understanding (ICLR), GPT-3 175B few-shot (5-shot) 43.9%"
GPT3_NOTE = (
    "reference row: only MMLU (5-shot, Hendrycks et al. 2021) is comparable with the other rows; "
    "Brown et al. 2020 evaluate ARC-C, HellaSwag and WinoGrande with other shot counts and scoring than "
    "the Open LLM Leaderboard protocol of the other rows, so they are left blank as not comparable; "
    "TruthfulQA (MC2), GSM8K, XWinograd and HumanEval were not reported for the GPT-3 base model under "
    "these protocols"
)


def _round12(values: pd.Series) -> pd.Series:
    """Unit conversions to 12 significant digits (40.2 x 1e21 is 4.02e22, not 4.020000000000001e22)."""
    return values.map(lambda v: float(f"{v:.12g}") if np.isfinite(v) else v)


def _date_capability(models: pd.Series, epoch: pd.DataFrame) -> pd.DataFrame:
    """Release date, its source and the matched Epoch row for each model id (the rule above)."""
    names = epoch["Model"].astype(str).str.strip()
    rows = []
    for model in models:
        if model in EPOCH_MATCH:
            name, how = EPOCH_MATCH[model]
            hit = epoch[names == name]
            if len(hit) != 1:
                raise SystemExit(f"Epoch row {name!r} (for {model}) occurs {len(hit)} times; expected once")
            date = pd.to_datetime(hit["Publication date"].iloc[0]).strftime("%Y-%m-%d")
            what = "this model" if how == "same" else "a sibling of the same release"
            rows.append((date, f"{EPOCH_SOURCE}: publication date of {name!r} ({what})", name))
        elif model in OTHER_DATES:
            rows.append((*OTHER_DATES[model], ""))
        else:
            rows.append(("", "not dated: no Epoch AI row for this model or its release, and no source recorded", ""))
    return pd.DataFrame(rows, columns=["release_date", "date_source", "epoch_model"])


def build_capability(raw: Path) -> pd.DataFrame:
    """Benchmark accuracies of 102 public base models (Ruan et al. 2024) plus GPT-3 as reference.

    ``compute_flops`` is 6 N D as in the source (blank where N or D is unpublished); dates follow
    the matching rule of ``EPOCH_MATCH`` / ``OTHER_DATES``.
    """
    df = pd.read_csv(raw / "capability" / "base_llm_benchmark_eval.csv")
    epoch = pd.read_csv(raw / "epoch" / "all_ml_systems.csv")
    named = set(EPOCH_MATCH) | set(OTHER_DATES) | set(CAPABILITY_CORRECTIONS) | set(CAPABILITY_NOTES)
    unknown = sorted(named - set(df["Model"]))
    if unknown:
        raise SystemExit(f"dating tables name models absent from the raw table: {unknown}")
    notes = df["Model"].map(CAPABILITY_NOTES).fillna("")
    for model, (values, reason) in CAPABILITY_CORRECTIONS.items():
        at = df["Model"] == model
        for col, value in values.items():
            df.loc[at, col] = value
        notes[at] = reason
    out = pd.DataFrame({
        "model": df["Model"],
        "family": df["Model Family"],
        "role": "observed",
        "n_params": _round12(df["Model Size (B)"] * 1e9),
        "n_tokens": _round12(df["Pretraining Data Size (T)"] * 1e12),
        "compute_flops": _round12(df["FLOPs (1E21)"] * 1e21),
    })
    out = pd.concat([out, _date_capability(df["Model"], epoch)], axis=1)
    for raw_col, col in CAPABILITY_BENCHMARKS.items():
        out[col] = df[raw_col]
    out["note"] = notes
    out["source"] = CAPABILITY_SOURCE
    gpt3 = {"model": "GPT-3", "family": "GPT-3", "role": "reference", "n_params": 175e9, "n_tokens": 300e9,
            "compute_flops": 3.14e23, "release_date": "2020-05-28",
            "date_source": "Brown et al. 2020, Language Models are Few-Shot Learners (arXiv:2005.14165)",
            "epoch_model": "", "mmlu": 0.439, "note": GPT3_NOTE,
            "source": f"Brown et al. 2020 (n_params, n_tokens, compute_flops); {GPT3_MMLU_SOURCE}"}
    out = pd.concat([out, pd.DataFrame([gpt3])], ignore_index=True)
    return out[["model", "family", "role", "n_params", "n_tokens", "compute_flops", "release_date", "date_source",
                "epoch_model", *CAPABILITY_BENCHMARKS.values(), "note", "source"]]


def build_chinchilla(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "chinchilla" / "svg_extracted_data.csv")
    n_params = df["Model Size"].astype(float)
    compute = df["Training FLOP"].astype(float)
    out = pd.DataFrame(
        {
            "run_id": np.arange(1, len(df) + 1),
            "n_params": n_params,
            "n_tokens": compute / (6.0 * n_params),
            "compute_flops": compute,
            "loss": df["loss"].astype(float),
        }
    )
    worst = out["loss"].rank(method="first", ascending=False) <= N_EPOCH_EXCLUDED
    out["excluded"] = worst
    out["exclusion_reason"] = np.where(
        worst,
        "Besiroglu et al. 2024: one of the 5 highest-loss runs (loss >= 3.447, C ~ 1e19, D/N < 0.5)",
        "",
    )
    out["source"] = CHINCHILLA_SOURCE
    return out


def build_muennighoff(raw: Path) -> pd.DataFrame:
    """The 283 final C4 validation losses of Muennighoff et al. (2023), one row per run.

    Exclusion rule (ours, see docs/data-constrained.md): a run whose loss is more than
    ``OVERFIT_FACTOR`` (5%) above that of a run on the same unique data (``n_unique_tokens``)
    with no more parameters and no more tokens. The law's loss never rises with N or D at
    fixed U, so such a run (divergence, or overfitting under heavy repetition) is one the law
    cannot express.
    """
    df = pd.read_csv(raw / "muennighoff" / "datablations_runs.csv")
    out = pd.DataFrame({
        "run_id": df["run"].astype(str),
        "n_params": df["n_params"].astype(float),
        "n_tokens": df["n_tokens"].astype(float),
        "n_unique_tokens": df["n_unique_tokens"].astype(float),
    })
    out["epochs"] = out["n_tokens"] / out["n_unique_tokens"]
    out["loss"] = df["loss_c4_val"].astype(float)
    reasons = []
    for row in out.itertuples():
        same = out[(out["n_unique_tokens"] == row.n_unique_tokens) & (out["n_params"] <= row.n_params)
                   & (out["n_tokens"] <= row.n_tokens) & (out["run_id"] != row.run_id)]
        best = same["loss"].min() if len(same) else np.inf
        if row.loss > OVERFIT_FACTOR * best:
            ref = same.loc[same["loss"].idxmin()]
            reasons.append(f"loss {row.loss:.4g} is over 5% above {ref['loss']:.4g} of {ref['run_id']} (same unique "
                           f"data, no more parameters or tokens; {row.epochs:.4g} vs {ref['epochs']:.4g} epochs): "
                           "divergence or overfitting the law cannot express")
        else:
            reasons.append("")
    out["excluded"] = [bool(r) for r in reasons]
    out["exclusion_reason"] = reasons
    out["source"] = MUENNIGHOFF_SOURCE
    return out


def _first_url(text) -> str:
    if not isinstance(text, str):
        return ""
    m = re.search(r"https?://\S+", text)
    return m.group(0).rstrip(",;") if m else ""


def _segment(name: str) -> str:
    if CONSUMER.search(name):
        return "consumer"
    if WORKSTATION.search(name):
        return "workstation"
    return "datacenter"


def build_accelerators(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "hardware" / "ml_hardware.csv")
    name = df["Hardware name"].str.strip()
    out = pd.DataFrame(
        {
            "name": name,
            "alias": name.map(ALIASES).fillna(""),
            "vendor": df["Manufacturer"].fillna("").str.strip(),
            "type": df["Type"].fillna("").str.strip(),
            "segment": name.map(_segment),
            "release_date": pd.to_datetime(df["Release date"], errors="coerce").dt.strftime("%Y-%m-%d"),
            "release_price_usd": df["Release price (USD)"],
            "fp32_flops_per_s": df["FP32 (single precision) performance (FLOP/s)"],
            "tf32_flops_per_s": df["TF32 (TensorFloat-32) performance (FLOP/s)"],
            "tensor16_flops_per_s": df["Tensor-FP16/BF16 performance (FLOP/s)"],
            "fp16_flops_per_s": df["FP16 (half precision) performance (FLOP/s)"],
            "fp8_flops_per_s": df["FP8 performance (FLOP/s)"],
            "int8_ops_per_s": df["INT8 performance (OP/s)"],
            "tdp_w": df["TDP (W)"],
            "memory_bytes": df["Memory (bytes)"],
            "memory_bandwidth_bytes_per_s": df["Memory bandwidth (byte/s)"],
            "datasheet_url": df["Link to datasheet"].map(_first_url),
            "price_source": df["Source for the price"].map(_first_url),
            "source": HARDWARE_SOURCE,
        }
    )
    missing = set(ALIASES) - set(out["name"])
    if missing:
        raise SystemExit(f"aliases name chips absent from the raw table: {sorted(missing)}")
    out = out.sort_values(["release_date", "name"], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def build_cloud_prices(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "hardware" / "Hardware prices.csv", encoding="utf-8-sig")
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(df["Price date"], errors="coerce").dt.strftime("%Y-%m-%d"),
            "hardware": df["Hardware model"].str.strip(),
            "manufacturer": df["Manufacturer"].fillna("").str.strip(),
            "provider": df["Vendor"].fillna("").str.strip(),
            "location": df["Location"].fillna("").str.strip(),
            "usd_per_chip_hour_on_demand": df["Price per chip-hour (on-demand)"],
            "usd_per_chip_hour_1yr": df["Price per chip-hour (1-year CUD)"],
            "usd_per_chip_hour_3yr": df["Price per chip-hour (3-year CUD)"],
            "purchase_price_usd": df["Price (hardware purchase)"],
            "n_chips": df["Number of GPUs"],
            "description": df["Cloud GPU description"].fillna("").str.strip(),
            "notes": df["Notes"].fillna("").str.replace(r"\s+", " ", regex=True).str.strip(),
            "source_url": df["Price source"].fillna("").str.strip(),
        }
    )
    out["source"] = PRICES_SOURCE
    out = out.dropna(subset=["date"])
    return out.sort_values(["date", "hardware", "provider"], kind="stable").reset_index(drop=True)


#: Pricing tiers of the cloud table, in the order spells are listed: tier -> price column.
SPELL_TIERS = {"on_demand": "usd_per_chip_hour_on_demand", "1yr": "usd_per_chip_hour_1yr",
               "3yr": "usd_per_chip_hour_3yr"}
SPELLS_SOURCE = PRICES_SOURCE + "; one row per chip x provider x tier x price of cloud_prices.csv"


def _on_demand_reference(spells: pd.DataFrame, obs: pd.DataFrame) -> list[float]:
    """On-demand $/chip-hour each committed-use spell is a discount of: the one quoted in the same
    observations (the same listing), else the on-demand spells of the same chip x provider seen
    over the spell's dates; NaN unless exactly one price qualifies (and for on-demand spells)."""
    od = spells.loc[spells["pricing_tier"] == "on_demand"]
    ref = []
    for row in spells.itertuples():
        same = obs.loc[obs["_spell"] == row.Index, "_od"].dropna().unique()
        if len(same) == 0:
            same = od.loc[(od["hardware"] == row.hardware) & (od["provider"] == row.provider)
                          & (od["first_seen_date"] <= row.last_seen_date)
                          & (od["last_seen_date"] >= row.first_seen_date), "usd_per_chip_hour"].unique()
        ref.append(float(same[0]) if len(same) == 1 and row.pricing_tier != "on_demand" else np.nan)
    return ref


def build_price_spells(raw: Path) -> pd.DataFrame:
    """Cloud prices counted once: one row per chip x provider x pricing tier x price, with the
    dates it was first and last seen, the observations (rows of ``cloud_prices``) quoting it,
    and for 1-year and 3-year spells the discount against the on-demand price (rules in README)."""
    prices = build_cloud_prices(raw)
    rental = prices.loc[prices["provider"].str.len() > 0]
    frames = []
    for tier, col in SPELL_TIERS.items():
        f = rental.loc[rental[col].notna(), ["date", "hardware", "manufacturer", "provider", "source_url"]].copy()
        f["pricing_tier"] = tier
        f["usd_per_chip_hour"] = rental.loc[f.index, col].astype(float).round(6)
        f["_od"] = rental.loc[f.index, SPELL_TIERS["on_demand"]].astype(float).round(6)
        frames.append(f)
    obs = pd.concat(frames, ignore_index=True)
    obs["_tier"] = obs["pricing_tier"].map({t: i for i, t in enumerate(SPELL_TIERS)})
    keys = ["hardware", "provider", "_tier", "usd_per_chip_hour"]
    obs = obs.sort_values([*keys, "date", "source_url"], kind="stable").reset_index(drop=True)
    grouped = obs.groupby(keys, sort=True)
    spells = grouped.agg(
        manufacturer=("manufacturer", "first"), pricing_tier=("pricing_tier", "first"),
        first_seen_date=("date", "min"), last_seen_date=("date", "max"), n_observations=("date", "size"),
        n_dates=("date", "nunique"), source_urls=("source_url", lambda u: " ".join(dict.fromkeys(x for x in u if x))),
    ).reset_index()
    obs["_spell"] = grouped.ngroup()
    spells = spells.sort_values(["hardware", "provider", "_tier", "first_seen_date", "usd_per_chip_hour"],
                                kind="stable")
    spells["on_demand_usd_per_chip_hour"] = _on_demand_reference(spells, obs)
    spells["discount_vs_on_demand"] = (1.0 - spells["usd_per_chip_hour"] / spells["on_demand_usd_per_chip_hour"]).round(6)
    spells["source"] = SPELLS_SOURCE
    cols = ["hardware", "manufacturer", "provider", "pricing_tier", "usd_per_chip_hour", "first_seen_date",
            "last_seen_date", "n_observations", "n_dates", "on_demand_usd_per_chip_hour",
            "discount_vs_on_demand", "source_urls", "source"]
    return spells[cols].reset_index(drop=True)


def build_price_index(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "hardware" / "PCU518210518210.csv")
    return pd.DataFrame(
        {
            "date": pd.to_datetime(df["observation_date"]).dt.strftime("%Y-%m-%d"),
            "ppi_data_processing": pd.to_numeric(df["PCU518210518210"], errors="coerce"),
            "source": PPI_SOURCE,
        }
    ).dropna(subset=["ppi_data_processing"])


def build_reference_models() -> pd.DataFrame:
    cols = ["name", "organisation", "date", "n_params", "n_tokens", "compute_flops",
            "hardware", "mfu", "source"]
    return pd.DataFrame(REFERENCE_MODELS, columns=cols)


BUILDERS = {
    "chinchilla_runs": build_chinchilla,
    "muennighoff_runs": build_muennighoff,
    "accelerators": build_accelerators,
    "cloud_prices": build_cloud_prices,
    "price_spells": build_price_spells,
    "price_index": build_price_index,
    "reference_models": lambda raw: build_reference_models(),
    "epoch_training_costs": build_epoch_training_costs,
    "api_prices": lambda raw: build_api_prices(),
    "capability": build_capability,
}


def build_all(raw: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, builder in BUILDERS.items():
        path = out / f"{name}.csv"
        builder(Path(raw)).to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written


def main(argv=None) -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=here)
    args = parser.parse_args(argv)
    for path in build_all(args.raw, args.out):
        print(f"wrote {path} ({sum(1 for _ in open(path)) - 1} rows)")


if __name__ == "__main__":
    main()
