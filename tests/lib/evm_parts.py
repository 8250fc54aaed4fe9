"""evm_parts.py - an ethereum-etl CSV export cut by block number into parts,
for the tests' incremental ingests: part(x, name, keep) writes the folder
x/name with each table's header and the rows of the blocks keep() takes
(tables: the file names to write, by default every table x has)."""
import os

BLOCK_COLUMN = {'blocks.csv': 0, 'transactions.csv': 3, 'receipts.csv': 3, 'logs.csv': 4,
                'token_transfers.csv': 6, 'traces.csv': 0}


def part(x, name, keep, tables=None):
    d = os.path.join(x, name)
    os.makedirs(d)
    for t in tables or sorted(BLOCK_COLUMN):
        if not os.path.exists(os.path.join(x, t)):
            continue
        with open(os.path.join(x, t)) as f, open(os.path.join(d, t), 'w') as o:
            o.write(f.readline())
            for line in f:
                if keep(int(line.split(',')[BLOCK_COLUMN[t]])):
                    o.write(line)
    return d


def halves(x, tables=None):
    """x/a, the blocks up to the middle one of the transactions', and x/b, the rest: that block"""
    with open(os.path.join(x, 'transactions.csv')) as f:
        f.readline()
        blocks = sorted({int(line.split(',')[BLOCK_COLUMN['transactions.csv']]) for line in f})
    cut = blocks[len(blocks) // 2]
    part(x, 'a', lambda n: n <= cut, tables)
    part(x, 'b', lambda n: n > cut, tables)
    return cut
