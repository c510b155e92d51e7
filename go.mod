module github.com/claimq/claimq

go 1.25

require github.com/google/btree v1.1.3
