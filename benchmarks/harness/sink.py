"""A sink upstream: reads each request body to the end (Content-Length or chunked)
and answers 200 with {"received": N}; a request whose path starts with /reset gets
its connection reset instead (RST: SO_LINGER 0, then close), as an upstream that
crashes mid-exchange (the soak's `upstream reset` kind). Run as `python3 sink.py PORT`."""
import socket
import struct
import sys
import threading

CHUNK = 1 << 20


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.pending = b""
        self.buffer = bytearray(CHUNK)

    def line(self):
        while b"\r\n" not in self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.pending += data
        line, self.pending = self.pending.split(b"\r\n", 1)
        return line

    def discard(self, count):
        """Reads and drops exactly `count` body bytes without keeping them."""
        taken = min(count, len(self.pending))
        self.pending = self.pending[taken:]
        count -= taken
        view = memoryview(self.buffer)
        while count:
            n = self.sock.recv_into(view, min(count, CHUNK))
            if not n:
                raise EOFError
            count -= n


def serve_connection(sock):
    reader = Reader(sock)
    try:
        while True:
            request_line = reader.line()
            if request_line.split(b" ")[1:2] and request_line.split(b" ")[1].startswith(b"/reset"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                break
            headers = {}
            while True:
                line = reader.line()
                if not line:
                    break
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            received = 0
            if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
                while True:
                    size = int(reader.line().split(b";")[0], 16)
                    if size == 0:
                        while reader.line():
                            pass
                        break
                    reader.discard(size)
                    received += size
                    reader.line()
            else:
                received = int(headers.get(b"content-length", b"0"))
                reader.discard(received)
            body = b'{"received":%d}' % received
            sock.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                         % (len(body), body))
            if headers.get(b"connection", b"").lower() == b"close":
                break
    except (EOFError, ConnectionError):
        pass
    finally:
        sock.close()


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(sys.argv[1])))
    server.listen(1024)
    print(f"sink listening on 127.0.0.1:{server.getsockname()[1]}", flush=True)
    while True:
        sock, _ = server.accept()
        threading.Thread(target=serve_connection, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
