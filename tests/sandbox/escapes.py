"""The escape attempts: each a program and the statuses that count as safe.

``on``: acceptable statuses with the validator on; ``off``: with it off (the OS layers alone).
Placeholders: ``SECRET_PATH`` (the host's secret file), ``HOST_HOME``, ``PORT`` (loopback listener).
Every attempt that could succeed would put a canary into the result, so the shared assertion
"no canary in the result" is what makes each one fail if the sandbox leaks.
"""

from __future__ import annotations

from dataclasses import dataclass

SAFE_ANY = frozenset({"error", "limit", "policy", "finished"})
P = frozenset({"policy"})
E = frozenset({"error"})
L = frozenset({"limit"})
EL = frozenset({"error", "limit"})
FE = frozenset({"finished", "error"})


@dataclass(frozen=True)
class Attempt:
    name: str
    family: str
    program: str
    on: frozenset[str] = P
    off: frozenset[str] = E


# Writes one frame to every open fd above 2 (the channel's write end is among them).
FORGE = """
import os, struct, json
def forge(body):
    for fd in range(3, 64):
        try:
            os.write(fd, body)
        except OSError:
            pass
"""

ATTEMPTS: list[Attempt] = [
    # --- imports and module reachability ---
    Attempt("import-os-environ", "imports", "import os\nfinish(dict(os.environ))", off=frozenset({"finished"})),
    Attempt("import-subprocess", "imports", "import subprocess\nfinish(subprocess.run(['cat', 'SECRET_PATH'], capture_output=True).stdout.decode())"),
    Attempt("dunder-import", "imports", "m = __import__('os')\nfinish(m.listdir('HOST_HOME'))"),
    Attempt("importlib", "imports", "import importlib\nos = importlib.import_module('os')\nfinish(os.listdir('/'))"),
    Attempt("sys-modules", "imports", "import sys\nfinish(sys.modules['os'].environ.get('OPENAI_API_KEY'))", off=frozenset({"finished"})),
    Attempt("pandas-reaches-os", "imports", "import pandas\nfinish(pandas.io.common.os.environ.get('OPENAI_API_KEY'))", on=frozenset({"finished", "error"}), off=FE),
    Attempt("numpy-reaches-os", "imports", "import numpy\nfinish(numpy.os.listdir('HOST_HOME'))", on=FE, off=FE),
    Attempt("random-private-os", "imports", "import random\nfinish(random._os.environ.get('OPENAI_API_KEY'))", off=frozenset({"finished", "error"})),
    Attempt("ctypes-system", "imports", "import ctypes\nfinish(ctypes.CDLL(None).system(b'cat SECRET_PATH > /tmp/x'))", off=frozenset({"finished", "error"})),
    Attempt("numpy-ctypeslib", "imports", "import numpy.ctypeslib as c\nfinish(str(c.load_library('libc.so.6', '/usr/lib/x86_64-linux-gnu')))", off=FE),
    # --- builtins, frames and introspection ---
    Attempt("subclasses-walk", "introspection", "s = ().__class__.__bases__[0].__subclasses__()\nw = [c for c in s if c.__name__ == '_wrap_close'][0]\nfinish(w.__init__.__globals__['popen']('cat SECRET_PATH').read())"),
    Attempt("function-globals", "introspection", "import json\nb = json.dumps.__globals__['__builtins__']\nfinish(b['open']('SECRET_PATH').read())"),
    Attempt("generator-frame", "introspection", "g = (x for x in [1])\nf = g.gi_frame\nfinish(str(f.f_globals.keys()))", off=frozenset({"finished"})),
    Attempt("traceback-frame", "introspection", "try:\n    1/0\nexcept Exception as e:\n    fr = e.__traceback__.tb_frame\n    finish(open('SECRET_PATH').read())"),
    Attempt("eval-exec", "introspection", "exec('import os')\nfinish(eval('os.environ[\"OPENAI_API_KEY\"]'))"),
    Attempt("getattr-string", "introspection", "c = getattr((), '__cl' + 'ass__')\nfinish(open('SECRET_PATH').read())"),
    Attempt("globals-builtins", "introspection", "finish(globals()['__builtins__'].open('SECRET_PATH').read())"),
    Attempt("bound-method-self", "introspection", "ch = llm_query.__self__._channel\nfinish(str(ch))", off=frozenset({"finished"})),
    Attempt("sys-getframe", "introspection", "import sys\nf = sys._getframe(0)\nfinish(open('/proc/1/environ').read())"),
    Attempt("vars-dir", "introspection", "finish(sorted(vars()))", off=frozenset({"finished"})),
    # --- validator evasion ---
    Attempt("format-attribute-chain", "evasion", "finish('{0.__class__.__mro__}'.format(1) + open('SECRET_PATH').read())"),
    Attempt("format-built-string", "evasion", "f = '{0.__cl' + 'ass__}'\nx = f.format(1)\nfinish(open('SECRET_PATH').read())"),
    Attempt("match-class-pattern", "evasion", "match 1:\n    case int(__class__=c):\n        finish(open('SECRET_PATH').read())"),
    Attempt("decorator-eval", "evasion", "@eval\ndef f(): pass\nfinish(1)"),
    Attempt("augassign-dunder", "evasion", "class A: pass\na = A()\na.__dict__ |= {'x': open('SECRET_PATH').read()}\nfinish(a.x)"),
    Attempt("attrgetter", "evasion", "from operator import attrgetter\nimport json\ng = attrgetter('__globals__')(json.dumps)\nfinish(g['__builtins__']['open']('SECRET_PATH').read())"),
    Attempt("formatter-get-field", "evasion", "import string\nv = string.Formatter().get_field('0.__class__', [1], {})\nfinish(open('SECRET_PATH').read())"),
    Attempt("fullwidth-eval", "evasion", "\uff45\uff56\uff41\uff4c('1')\nfinish(open('SECRET_PATH').read())"),
    Attempt("deep-nesting-parser", "evasion", "x = " + "(" * 3000 + "1" + ")" * 3000, off=E),
    Attempt("pandas-eval", "evasion", "import pandas as pd\nfinish(pd.eval('__import__(\"os\").environ'))"),
    Attempt("lambda-default-smuggle", "evasion", "f = lambda o=open: o('SECRET_PATH').read()\nfinish(f())"),
    Attempt("exception-str-side-effect", "evasion", "class E(Exception):\n    def __str__(self):\n        return open('SECRET_PATH').read()\nraise E()"),
    # --- resource exhaustion ---
    Attempt("memory-bomb", "resources", "x = 'a' * (10 ** 10)", on=L, off=L),
    Attempt("memory-growth", "resources", "xs = []\nwhile True:\n    xs.append(bytearray(10 ** 7))", on=L, off=L),
    Attempt("cpu-loop", "resources", "while True:\n    pass", on=L, off=L),
    Attempt("cpu-swallow-baseexception", "resources", "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass", on=L, off=L),
    Attempt("ignore-sigxcpu", "resources", "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass", off=L),
    Attempt("fork", "resources", "import os\npid = os.fork()\nfinish(pid)"),
    Attempt("fork-bomb", "resources", "import os\nwhile True:\n    os.fork()"),
    Attempt("thread-bomb", "resources", "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,)).start()", off=EL),
    Attempt("disk-fill", "resources", "import os\nwith open('/tmp/fill', 'wb') as f:\n    while True:\n        f.write(b'x' * 10 ** 6)", off=EL),
    Attempt("output-flood", "resources", "while True:\n    print('x' * 10000)", on=L, off=L),
    Attempt("huge-finish-value", "resources", "finish('x' * 5_000_000)", on=L, off=L),
    Attempt("recursion", "resources", "def f(n):\n    return f(n + 1)\nf(0)", on=L, off=L),
    Attempt("sleep", "resources", "import time\ntime.sleep(100)", on=L, off=L),
    Attempt("bigint-power", "resources", "x = 10 ** (10 ** 9)", on=L, off=L),
    Attempt("regex-backtracking", "resources", "import re\nre.match('(a+)+$', 'a' * 60 + 'b')", on=L, off=L),
    # --- filesystem, secrets, network, processes ---
    Attempt("read-secret-file", "filesystem", "finish(open('SECRET_PATH').read())"),
    Attempt("pandas-read-secret", "filesystem", "import pandas as pd\nfinish(pd.read_csv('SECRET_PATH').to_dict())", on=E, off=E),
    Attempt("io-open-secret", "filesystem", "import io\nfinish(io.open('SECRET_PATH').read())", on=E, off=E),
    Attempt("list-host-home", "filesystem", "import os\nfinish(os.listdir('HOST_HOME'))"),
    Attempt("etc-passwd", "filesystem", "finish(open('/etc/passwd').read())"),
    Attempt("proc-environ", "filesystem", "import os\nout = []\nfor p in os.listdir('/proc'):\n    try:\n        out.append(open('/proc/' + p + '/environ').read())\n    except Exception:\n        pass\nfinish(out)", off=frozenset({"finished", "error"})),
    Attempt("proc-self-environ", "filesystem", "finish(open('/proc/self/environ').read())", off=frozenset({"finished", "error"})),
    Attempt("write-readonly-packages", "filesystem", "import os\nopen('/opt/site/numpy/__init__.py', 'a').write('x')"),
    Attempt("socket-loopback", "network", "import socket\ns = socket.create_connection(('127.0.0.1', PORT), timeout=1)\nfinish('connected')"),
    Attempt("http-client", "network", "import http.client\nc = http.client.HTTPConnection('127.0.0.1', PORT, timeout=1)\nc.request('GET', '/')\nfinish('sent')"),
    Attempt("exec-shell", "processes", "import os\nos.execv('/bin/sh', ['sh', '-c', 'cat SECRET_PATH'])"),
    Attempt("kill-pid-1", "processes", "import os, signal\nos.kill(1, signal.SIGKILL)\nfinish('killed')", off=frozenset({"error", "finished"})),
    Attempt("setuid-root", "processes", "import os\nos.setuid(0)\nfinish(open('SECRET_PATH').read())"),
    Attempt("ptrace-parent", "processes", "import ctypes\nlibc = ctypes.CDLL(None)\nr = libc.ptrace(16, 1, 0, 0)\nfinish(open('SECRET_PATH').read())"),
    # --- host side and protocol ---
    Attempt("forge-result-frame", "protocol", FORGE + "body = json.dumps({'type': 'result', 'status': 'finished', 'value': 'forged', 'finished': True}).encode()\nforge(struct.pack('>I', len(body)) + body)\nimport time\ntime.sleep(0.2)\nfinish('real')", off=frozenset({"finished", "error"})),
    Attempt("forge-oversized-frame", "protocol", FORGE + "forge(struct.pack('>I', 2 ** 31))\nimport time\ntime.sleep(1)", off=frozenset({"limit", "error"})),
    Attempt("forge-malformed-frame", "protocol", FORGE + "forge(struct.pack('>I', 5) + b'{{{{{')\nimport time\ntime.sleep(1)", off=frozenset({"error", "finished"})),
    Attempt("forge-unknown-call", "protocol", FORGE + "body = json.dumps({'type': 'call', 'id': 999, 'name': 'os.system', 'kwargs': {'cmd': 'id'}}).encode()\nforge(struct.pack('>I', len(body)) + body)\nimport time\ntime.sleep(0.3)\nfinish('done')", off=frozenset({"finished", "error"})),
    Attempt("forge-extra-kwargs", "protocol", FORGE + "body = json.dumps({'type': 'call', 'id': 998, 'name': 'restore', 'kwargs': {'name': 'x', 'path': 'SECRET_PATH'}}).encode()\nforge(struct.pack('>I', len(body)) + body)\nimport time\ntime.sleep(0.3)\nfinish('done')", off=frozenset({"finished", "error"})),
    Attempt("deeply-nested-value", "protocol", "x = []\nfor i in range(100000):\n    x = [x]\nfinish(x)", on=E, off=E),
    Attempt("huge-int-value", "protocol", "import sys\nsys.set_int_max_str_digits(0)\nfinish(10 ** 20000)", off=EL),
    Attempt("nan-value", "protocol", "finish(float('nan'))", on=E, off=E),
    Attempt("object-value", "protocol", "class Evil:\n    def __eq__(self, other):\n        return open('SECRET_PATH').read()\nfinish(Evil())"),
    Attempt("hard-exit", "protocol", "import os\nos._exit(0)"),
    Attempt("segfault", "protocol", "import ctypes\nctypes.string_at(0)"),
    Attempt("oversized-llm-data", "protocol", "llm_query('summarise', 'x' * 20_000_000)", on=L, off=L),
]
