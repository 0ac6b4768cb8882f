"""Running ideas through the phases: the pipeline, resumable batches and (later) the optimise loop."""
