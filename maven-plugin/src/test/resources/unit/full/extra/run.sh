#!/bin/sh
echo extra
