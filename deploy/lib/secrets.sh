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

# The demo's API key (every scope): its SHA-256 in RUN_DIR/api-keys.json (0600), its secret in RUN_DIR/api-key (0600),
# kept for the next runs. When the secret is lost, only the `demo` key is replaced: keys the user added to the same
# file stay. ensure_demo_api_key RUN_DIR GATEWAY-COMMAND...
ensure_demo_api_key() {
  local run=$1; shift
  [ -s "$run/api-key" ] && return 0
  "$@" serve keys revoke --id demo --file "$run/api-keys.json" >/dev/null 2>&1 || true
  (umask 077; "$@" serve keys add --id demo --scopes predict,read,train,admin --file "$run/api-keys.json" 2>/dev/null >"$run/api-key") && return 0
  rm -f "$run/api-key"
  return 1
}
