#!/usr/bin/env bash
# Throwaway OpenSSH sshd on 127.0.0.1:${TEST_SSH_PORT:-2222}, no systemd. Prints `export …` lines to eval.
set -euo pipefail
D=${TEST_SSHD_DIR:-$(mktemp -d -t sshd-test.XXXXXX)}
PORT=${TEST_SSH_PORT:-2222}
mkdir -p "$D" /run/sshd && chmod 700 "$D" && chmod 755 /run/sshd
[ -f "$D/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$D/host_ed25519"
[ -f "$D/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$D/id_ed25519"
cp "$D/id_ed25519.pub" "$D/authorized_keys" && chmod 600 "$D/authorized_keys"
cat > "$D/sshd_config" <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $D/host_ed25519
PidFile $D/sshd.pid
AuthorizedKeysFile $D/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CFG
/usr/sbin/sshd -t -f "$D/sshd_config"
/usr/sbin/sshd -f "$D/sshd_config" -E "$D/sshd.log"
for _ in $(seq 50); do [ -s "$D/sshd.pid" ] && break; sleep 0.1; done
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$D/host_ed25519.pub")" > "$D/known_hosts"
ssh -p "$PORT" -i "$D/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$D/known_hosts" -o LogLevel=ERROR root@127.0.0.1 true
echo "export TEST_SSHD_DIR=$D TEST_SSH_PORT=$PORT TEST_SSH_KEY=$D/id_ed25519 TEST_SSH_KNOWN_HOSTS=$D/known_hosts"
