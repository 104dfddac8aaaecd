-- The Quarto subset the report uses, for pandoc's LaTeX writer:
-- @fig-/@tbl-/@eq-/@sec-/@thm- references, $$ ... $$ {#eq-x}, ::: {#thm-x} (and lem, cor,
-- prp, def), ::: {.proof}, ::: {.callout-*}, table captions ending in {#tbl-x}, and the
-- build's own code-output blocks.

local KINDS = {fig = "Figure", tbl = "Table", eq = "Equation", sec = "Section",
               thm = "Theorem", lem = "Lemma", cor = "Corollary", prp = "Proposition",
               def = "Definition"}
local ENVS = {thm = "theorem", lem = "lemma", cor = "corollary", prp = "proposition",
              def = "definition"}
local CALLOUT_COLOURS = {note = "blue", tip = "teal", warning = "orange",
                         important = "red", caution = "orange"}

local function raw(s) return pandoc.RawInline("latex", s) end
local function rawblock(s) return pandoc.RawBlock("latex", s) end
local function latex_of(inlines)
  return pandoc.write(pandoc.Pandoc({pandoc.Plain(inlines)}), "latex"):gsub("%s+$", "")
end

function Cite(cite)
  local out = {}
  for i, citation in ipairs(cite.citations) do
    local kind = citation.id:match("^(%a+)%-")
    if not (kind and KINDS[kind]) then return nil end
    local number = "\\ref*{" .. citation.id .. "}"
    if kind == "eq" then number = "(" .. number .. ")" end
    if i > 1 then table.insert(out, pandoc.Str(", ")) end
    table.insert(out, raw("\\hyperref[" .. citation.id .. "]{" .. KINDS[kind] .. "~" .. number .. "}"))
  end
  return out
end

-- $$ ... $$ {#eq-x}: pandoc reads the label as text after the display math.
local function label_equations(inlines)
  local out, i = pandoc.List(), 1
  while i <= #inlines do
    local el = inlines[i]
    if el.t == "Math" and el.mathtype == "DisplayMath" then
      local j = i + 1
      while inlines[j] and (inlines[j].t == "Space" or inlines[j].t == "SoftBreak") do j = j + 1 end
      local label = inlines[j] and inlines[j].t == "Str" and inlines[j].text:match("^{#(eq%-[%w%-_]+)}$")
      if label then
        out:insert(raw("\\begin{equation}\\label{" .. label .. "}" .. el.text .. "\\end{equation}"))
        i = j + 1
      else
        out:insert(el)
        i = i + 1
      end
    else
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

function Para(el) el.content = label_equations(el.content); return el end
function Plain(el) el.content = label_equations(el.content); return el end

-- A leading "## Title" inside a div is the block's title.
local function take_title(div)
  local first = div.content[1]
  if first and first.t == "Header" then
    table.remove(div.content, 1)
    return latex_of(first.content)
  end
  return nil
end

-- ::: {#fig-x} / ::: {#tbl-x} around a chunk: its output is the float, the last paragraph the caption.
local function float_div(div, kind)
  local last = div.content[#div.content]
  if not (last and (last.t == "Para" or last.t == "Plain")) then
    error("the float " .. div.identifier .. " needs a caption as its last paragraph")
  end
  div.content:remove(#div.content)
  if kind == "tbl" then
    local found = false
    div.content = div.content:walk({Table = function(tbl)
      if found then return nil end
      found = true
      local caption = pandoc.List(last.content)
      caption:insert(raw("\\label{" .. div.identifier .. "}"))
      tbl.caption.long = {pandoc.Plain(caption)}
      return tbl
    end})
    if not found then error("the float " .. div.identifier .. " contains no table") end
    return div.content
  end
  local blocks = pandoc.List({rawblock("\\begin{figure}[H]\\centering")})
  blocks:extend(div.content)
  blocks:insert(rawblock("\\caption{" .. latex_of(last.content) .. "}\\label{" .. div.identifier .. "}\n\\end{figure}"))
  return blocks
end

function Div(div)
  local kind = div.identifier:match("^(%a+)%-")
  if kind == "fig" or kind == "tbl" then return float_div(div, kind) end
  if kind and ENVS[kind] then
    local title = take_title(div)
    local open = "\\begin{" .. ENVS[kind] .. "}" .. (title and ("[" .. title .. "]") or "")
    local blocks = pandoc.List({rawblock(open .. "\\label{" .. div.identifier .. "}")})
    blocks:extend(div.content)
    blocks:insert(rawblock("\\end{" .. ENVS[kind] .. "}"))
    return blocks
  end
  if div.classes:includes("proof") then
    local title = take_title(div)
    local blocks = pandoc.List({rawblock("\\begin{proof}" .. (title and ("[" .. title .. "]") or ""))})
    blocks:extend(div.content)
    local last = blocks[#blocks]
    if last.t == "Para" or last.t == "Plain" then
      -- as Quarto: \end{proof} right after the last line, so the QED mark ends that line
      last.content:insert(pandoc.RawInline("latex", "\n\\end{proof}"))
    else
      blocks:insert(rawblock("\\end{proof}"))
    end
    return blocks
  end
  for _, class in ipairs(div.classes) do
    local ctype = class:match("^callout%-(%a+)$")
    if ctype then
      local title = take_title(div) or (ctype:sub(1, 1):upper() .. ctype:sub(2))
      local colour = CALLOUT_COLOURS[ctype] or "gray"
      local blocks = pandoc.List({rawblock("\\begin{callout}{" .. colour .. "}{" .. title .. "}")})
      blocks:extend(div.content)
      blocks:insert(rawblock("\\end{callout}"))
      return blocks
    end
  end
  return nil
end

-- ": Caption {#tbl-x}" under a table.
function Table(tbl)
  local blocks = tbl.caption.long
  local last = blocks[#blocks]
  if last and last.content and #last.content > 0 then
    local tail = last.content[#last.content]
    local label = tail.t == "Str" and tail.text:match("^{#(tbl%-[%w%-_]+)}$")
    if label then
      last.content:remove(#last.content)
      while #last.content > 0 and last.content[#last.content].t == "Space" do
        last.content:remove(#last.content)
      end
      tbl.identifier = label
    end
  end
  if tbl.identifier:match("^tbl%-") and last and last.content then
    last.content:insert(raw("\\label{" .. tbl.identifier .. "}"))
    tbl.identifier = ""
  end
  return tbl
end

-- Outputs of code chunks: wrapped verbatim, never running off the page.
function CodeBlock(block)
  for _, class in ipairs({"output", "stderr"}) do
    if block.classes:includes(class) then
      local env = class == "output" and "OutputBlock" or "StderrBlock"
      return rawblock("\\begin{" .. env .. "}\n" .. block.text .. "\n\\end{" .. env .. "}")
    end
  end
  return nil
end
