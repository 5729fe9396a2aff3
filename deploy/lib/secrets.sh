# Secrets of a run folder, created on first use and kept (mode 0600, never printed). Source this file, then e.g.
#   --model-key-file "$(ensure_model_key "$RUN_DIR")"
# Every node of one cluster must use the same model key: it signs each stored model and verifies it before loading.

# Prints the path of RUN_DIR/secrets/model.key, creating it (48 random bytes, base64) when missing.
ensure_model_key() {
  local dir="$1/secrets" key
  key="$dir/model.key"
  if [ ! -s "$key" ]; then
    mkdir -p "$dir" && chmod 700 "$dir"
    # A private temporary name and a no-clobber move: when two callers race, the first key stays and both use it.
    local tmp="$key.$$.$RANDOM.tmp"
    (umask 077 && { openssl rand -base64 48 || head -c 48 /dev/urandom | base64; } >"$tmp") && { mv -n "$tmp" "$key" || true; }
    rm -f "$tmp"
    chmod 600 "$key"
  fi
  printf '%s\n' "$key"
}
