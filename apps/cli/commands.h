// Entry points of the CLI's subcommands. Each returns the process exit code.
#pragma once

namespace omni::cli {

int run_model_command(int argc, char** argv);           // omni model synth|info|dequant|zoo
int print_model_info(const char* path);                 // omni model info FILE
int run_tokenize_command(int argc, char** argv);        // omni tokenize
int run_run_command(int argc, char** argv);             // omni run
int run_audio_command(int argc, char** argv);           // omni audio info|mel|convert|encode
int run_whisper_synth_command(int argc, char** argv);   // omni model synth --arch whisper
int run_whisper_encode_command(int argc, char** argv);  // omni audio encode|decode
int run_transcribe_command(int argc, char** argv);      // omni transcribe
int run_serve_command(int argc, char** argv);           // omni serve
int run_bench_command(int argc, char** argv);           // omni bench

}  // namespace omni::cli
