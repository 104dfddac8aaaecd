-- Floats (figures, tables) as Quarto numbers and places them in a PDF:
--   ::: {#fig-x} / ::: {#tbl-x} around a chunk or images: the float, its last paragraph
--     the caption; sub-figures (images with an id) or sub-tables (tables with an id) side by
--     side by layout-ncol/layout-nrow, as are images without ids (no sub-captions then);
--   ": Caption {#tbl-x}" under a pipe table: a numbered table.
-- Placement as Quarto 1.10 gives it: the figure's fig-pos, else the document's, else H for
-- a figure drawn by a chunk whose code is shown and which has no layout options (weave.py
-- marks those divs with the class .cell and copies a chunk's fig-pos), else none;
-- fig-pos: false is as if not set.  The same for a Markdown image with a #fig- id.  Inside
-- a callout: H.
local latex = dofile(pandoc.path.join({pandoc.path.directory(PANDOC_SCRIPT_FILE), "latex.lua"}))

-- the document's fig-pos, fig-align and tbl-cap-location, those it sets (Meta)
local document = {}

local function placement(div)
  local pos = div.attributes["fig-pos"] or document["fig-pos"]
  if pos == nil and div.classes:includes("cell") then pos = "H" end
  return pos and ("[" .. pos .. "]") or ""
end

-- The sub-figures of a figure div: images with an id, alone (pandoc Figure) or in a paragraph.
local function subfigures(blocks)
  local subs = pandoc.List()
  for _, b in ipairs(blocks) do
    if b.t == "Figure" then
      local image
      b.content:walk({Image = function(i) image = i end})
      local id = b.identifier ~= "" and b.identifier or (image and image.identifier) or ""
      if image and id ~= "" then
        subs:insert({image = image, id = id, caption = pandoc.utils.blocks_to_inlines(b.caption.long)})
      end
    elseif b.t == "Para" or b.t == "Plain" then
      for _, il in ipairs(b.content) do
        if il.t == "Image" and il.identifier ~= "" then
          subs:insert({image = il, id = il.identifier, caption = il.caption})
        end
      end
    end
  end
  for _, sub in ipairs(subs) do
    local image = sub.image:clone()
    image.identifier, image.caption = "", {}
    sub.tex = latex.latex_of({image})
  end
  return subs
end

local function has_layout(div)
  local attrs = div.attributes
  return attrs["layout"] or attrs["layout-ncol"] or attrs["layout-nrow"]
end

-- The layout cells of a figure div whose blocks are all images without ids (Markdown
-- images, or the plots of the chunks inside it), when it has a layout: each image in a
-- cell with no sub-caption, as Quarto sets them; none otherwise.
local function cells(div)
  if not has_layout(div) then return {} end
  local subs = pandoc.List()
  for _, b in ipairs(div.content) do
    local inlines = (b.t == "Para" or b.t == "Plain") and b.content or {}
    for _, il in ipairs(inlines) do
      if il.t == "Image" then subs:insert({tex = latex.latex_of({il})})
      elseif il.t ~= "Space" and il.t ~= "SoftBreak" then return {} end
    end
    if #inlines == 0 then return {} end
  end
  return subs
end

-- A table as a plain tabular (a longtable cannot sit in a minipage), as Quarto sets a
-- sub-table.
local ALIGN = {AlignLeft = "l", AlignRight = "r", AlignCenter = "c", AlignDefault = "l"}
local function tabular(tbl)
  local simple = pandoc.utils.to_simple_table(tbl)
  local function row(cells)
    local tex = pandoc.List(cells):map(function(c) return latex.latex_of(pandoc.utils.blocks_to_inlines(c)) end)
    return table.concat(tex, " & ") .. "\\\\\n"
  end
  local aligns = table.concat(pandoc.List(simple.aligns):map(function(a) return ALIGN[tostring(a)] or "l" end))
  local head = row(simple.headers):match("^[%s&]*\\\\\n$") and "" or (row(simple.headers) .. "\\midrule\n")
  local body = table.concat(pandoc.List(simple.rows):map(row))
  return "\\begin{tabular}{" .. aligns .. "}\n\\toprule\n" .. head .. body .. "\\bottomrule\n\\end{tabular}"
end

-- The sub-tables of a table div: its tables with an id.
local function subtables(blocks)
  local subs = pandoc.List()
  for _, b in ipairs(blocks) do
    if b.t == "Table" and b.identifier:match("^tbl%-") then
      subs:insert({id = b.identifier, caption = pandoc.utils.blocks_to_inlines(b.caption.long),
        tex = tabular(b), above = true})
    end
  end
  return subs
end

-- The layout cells of a table div whose blocks are all tables without captions (number.py
-- checks this), when it has a layout: each table in a cell, as Quarto sets them.
local function table_cells(div)
  if not has_layout(div) then return {} end
  return div.content:filter(function(b) return b.t == "Table" end):map(function(b)
    return {tex = tabular(b), above = true}
  end)
end

-- The rows of a layout, each a list of relative widths: layout="[[1,1],[1]]" as given
-- (a negative width is empty space), else layout-ncol columns (or enough for layout-nrow
-- rows) of equal width, as Quarto lays them out.
local function widths_of(text)
  local widths = {}
  for n in text:gmatch("%-?[%d%.]+") do table.insert(widths, tonumber(n)) end
  return widths
end

local function layout_rows(div, count)
  local spec = div.attributes["layout"]
  if spec then
    local rows = {}
    for row in (spec:match("^%s*%[(.*)%]%s*$") or ""):gmatch("%[([^%[%]]*)%]") do
      table.insert(rows, widths_of(row))
    end
    return #rows > 0 and rows or {widths_of(spec)}  -- one row: layout="[1,1]"
  end
  local ncol = tonumber(div.attributes["layout-ncol"])
  local nrow = tonumber(div.attributes["layout-nrow"])
  if not ncol then ncol = nrow and math.ceil(count / nrow) or 1 end
  local rows, widths = {}, {}
  for _ = 1, ncol do table.insert(widths, 1) end  -- a short last row starts at the left
  for _ = 1, math.ceil(count / ncol) do table.insert(rows, widths) end
  return rows
end

-- Sub-floats side by side, row by row (layout_rows): each sub's LaTeX (sub.tex) in a
-- minipage with its sub-caption, below it for a figure, above it for a table (sub.above);
-- the sub-captions stay inlines (citeproc, after the filters, sees their citations).
local function subfloat_blocks(div, subs)
  local parts, next_sub = pandoc.Inlines({}), 1
  local function raw(tex) parts:insert(latex.raw(tex)) end
  for r, widths in ipairs(layout_rows(div, #subs)) do
    local total = 0
    for _, w in ipairs(widths) do total = total + math.abs(w) end
    if r > 1 then raw("\\newline\n") end  -- as Quarto
    for _, w in ipairs(widths) do
      local width = string.format("%.2f", math.abs(w) / total)
      local sub = w > 0 and subs[next_sub] or nil
      if sub then
        next_sub = next_sub + 1
        raw("\\begin{minipage}[t]{" .. width .. "\\linewidth}\\centering\n")
        if not sub.above then raw(sub.tex .. "\n") end
        if sub.id then
          raw("\\subcaption{\\label{" .. sub.id .. "}")
          parts:extend(sub.caption)
          raw("}\n")
        end
        if sub.above then raw(sub.tex .. "\n") end
        raw("\\end{minipage}%\n")
      else  -- space, or a place the last row leaves empty
        raw("\\begin{minipage}[t]{" .. width .. "\\linewidth}\\mbox{}\\end{minipage}%\n")
      end
    end
  end
  if next_sub <= #subs then
    error("the layout of " .. div.identifier .. " has places for " .. (next_sub - 1)
      .. " of its " .. #subs .. " sub-floats: give it a place for each")
  end
  -- one paragraph: a blank line between two minipages would stack them
  return pandoc.List({pandoc.Plain(parts)})
end

-- A caption with no text (weave.py writes a no-break space where pandoc needs one): the
-- name and number alone, with no colon, as Quarto's empty \caption{\label{x}}.
local function blank(inlines)
  return pandoc.utils.stringify(inlines):gsub("[%s\194\160]", "") == ""
end

local function caption_of(div)  -- none where the last block is no paragraph, as Quarto
  local last = div.content[#div.content]
  if not (last and (last.t == "Para" or last.t == "Plain")) then return pandoc.Inlines({}) end
  div.content:remove(#div.content)
  return last.content
end

-- tbl-colwidths="[25,75]" (on the table or its div): each column's share of the text
-- width, as Quarto sets them.
local function column_widths(tbl, spec)
  spec = spec or tbl.attributes["tbl-colwidths"]
  tbl.attributes["tbl-colwidths"] = nil
  if not spec then return tbl end
  local widths, total = {}, 0
  for n in spec:gmatch("[%d%.]+") do
    table.insert(widths, tonumber(n))
    total = total + tonumber(n)
  end
  for i, colspec in ipairs(tbl.colspecs) do
    if widths[i] and total > 0 then tbl.colspecs[i] = {colspec[1], widths[i] / total} end
  end
  return tbl
end

-- A numbered table as Quarto sets a chunk's HTML table (a DataFrame, parse.py) or a table
-- captioned at the bottom (tbl-cap-location): the caption in the longtable's head, so on
-- every page, or in its last foot; the caption stays inlines (citeproc).
local function captioned(tbl, caption, bottom)
  local id = tbl.identifier
  tbl.caption.long, tbl.classes, tbl.identifier = {}, {}, ""
  local tex = pandoc.write(pandoc.Pandoc({tbl}), "latex"):gsub("\\def\\LTcaptype{none}[^\n]*\n", "")
  local cut = tex:find(bottom and "\n\\endlastfoot" or "\n\\toprule", 1, true)
  -- under the table, as Quarto's: after an empty row, which keeps the rule's distance,
  -- where the document sets tbl-cap-location (a chunk's option sets none)
  local gap = bottom and document["tbl-cap-location"] == "bottom"
  local head = pandoc.List({latex.raw((gap and "\\tabularnewline\n" or "") .. "\\caption{"),
    latex.raw("\\label{" .. id .. "}")})
  return {latex.rawblock(tex:sub(1, cut)), pandoc.Plain(head .. caption .. {latex.raw("}\\tabularnewline")}),
    latex.rawblock(tex:sub(cut + 1))}
end

-- tbl-cap-location: bottom (a table's, a chunk's, or the document's): captions under tables
local function at_bottom(el)
  return (el.attributes["tbl-cap-location"] or document["tbl-cap-location"]) == "bottom"
end

-- A table float around `blocks` with its `caption` (LaTeX) above, or below with
-- tbl-cap-location: bottom, as Quarto sets it; `open` and `close` wrap the blocks.
local function table_float(div, caption, blocks, open, close)
  local below = at_bottom(div)
  local head = "\\begin{table}" .. placement(div) .. (below and "" or ("\n" .. caption)) .. open
  local tail = close .. (below and (caption .. "\n") or "") .. "\\end{table}"
  return pandoc.List({latex.rawblock(head)}) .. blocks .. {latex.rawblock(tail)}
end

-- A table div with sub-tables or a layout of tables, as Quarto sets it: the caption above
-- (below, with tbl-cap-location: bottom), the sub-tables side by side (before the table
-- filter below takes their ids).
local function Subtables(div)
  if not div.identifier:match("^tbl%-") then return nil end
  local subs = subtables(div.content)
  if #subs == 0 then subs = table_cells(div) end
  if #subs == 0 then return nil end
  local caption = caption_of(div)
  caption = "\\caption{\\label{" .. div.identifier .. "}"
    .. (blank(caption) and "" or latex.latex_of(caption)) .. "}"
  local above = not at_bottom(div)  -- every caption where the float's is
  for _, sub in ipairs(subs) do sub.above = above end
  return table_float(div, caption, subfloat_blocks(div, subs), "", "")
end

local function table_div(div)
  local caption, found = pandoc.List(caption_of(div)), false
  if blank(caption) then caption = pandoc.List() end
  div.content = div.content:walk({Table = function(tbl)
    if found then return nil end
    found = true
    tbl = column_widths(tbl, div.attributes["tbl-colwidths"])
    if at_bottom(div) then
      tbl.identifier = div.identifier
      return captioned(tbl, caption, true)
    end
    tbl.caption.long = {pandoc.Plain(caption .. {latex.raw("\\label{" .. div.identifier .. "}")})}
    return tbl
  end})
  if found then return div.content end
  caption:insert(latex.raw("\\label{" .. div.identifier .. "}"))
  -- no pandoc table (raw LaTeX or HTML, an image, text): a table float of what it holds,
  -- its caption above or (tbl-cap-location: bottom) below, as Quarto
  caption = "\\caption{" .. latex.latex_of(caption) .. "}"
  return table_float(div, caption, div.content, "\n\\centering{", "}\n")
end

-- fig-align as Quarto aligns a figure: centred by default, \hfill before it on the right,
-- nothing on the left.

local function aligned(div, align)
  if align ~= "right" then return div.content end
  for _, block in ipairs(div.content) do
    if block.t == "Para" or block.t == "Plain" then
      block.content:insert(1, latex.raw("\\hfill{}"))
      break
    end
  end
  return div.content
end

local function figure_div(div)
  local caption = caption_of(div)
  local align = div.attributes["fig-align"] or document["fig-align"] or "center"
  local centering = (align == "center" or align == "default") and "\\centering" or ""
  local subs = subfigures(div.content)
  -- sub-figures drawn by chunks (parse.nested_figures): their code in one block before
  -- the float, which is placed as a chunk's figure is, as Quarto sets them
  local code = #subs > 0 and div.content:filter(function(b) return b.t == "CodeBlock" end) or {}
  if #code > 0 then div.classes:insert("cell") end
  subs = #subs > 0 and subs or cells(div)
  -- a layout's rows fill the line from its left edge, as Quarto sets them: not centred
  centering = #subs > 0 and "" or centering
  local blocks = pandoc.List({latex.rawblock("\\begin{figure}" .. placement(div) .. centering)})
  if #code > 0 then
    local text = table.concat(code:map(function(b) return b.text end), "\n")
    blocks:insert(1, pandoc.CodeBlock(text, code[1].attr))
  end
  if #subs > 0 then blocks:extend(subfloat_blocks(div, subs)) else blocks:extend(aligned(div, align)) end
  -- the caption stays inlines, so that citeproc (after the filters) sees its citations; a
  -- footnote's text goes after the figure, and a short caption without its mark to the list
  -- of figures, as Quarto sets them
  local label = latex.raw("\\label{" .. div.identifier .. "}")
  local inlines, notes = latex.lift_notes(pandoc.Inlines(caption))
  local scap = div.attributes["fig-scap"]  -- a chunk's fig-scap (weave.py): the list's words
  local unmarked = scap and latex.read_inlines(scap)
    or pandoc.Inlines(caption):walk({Note = function() return {} end})
  local short = (#notes > 0 or scap) and ("[" .. latex.latex_of(unmarked) .. "]") or ""
  local head = blank(caption) and {latex.raw("\\caption{}"), label}
    or pandoc.List({latex.raw("\\caption" .. short .. "{"), label}) .. inlines .. {latex.raw("}")}
  blocks:insert(pandoc.Plain(head))
  blocks:insert(latex.rawblock("\\end{figure}"))
  return blocks .. notes
end

-- The plots of a chunk with a layout and no caption (weave.py's .layout-cells): a figure
-- without a caption or number, its images side by side, as Quarto sets them.
local function layout_cells(div)
  local subs = cells(div)
  if #subs == 0 then return nil end
  return pandoc.List({latex.rawblock("\\begin{figure}")}) .. subfloat_blocks(div, subs)
    .. {latex.rawblock("\\end{figure}")}
end

local function Div(div)
  if div.identifier == "" and div.classes:includes("layout-cells") then return layout_cells(div) end
  local kind = div.identifier:match("^(%a+)%-")
  if kind == "fig" then return figure_div(div) end
  if kind == "tbl" then return table_div(div) end
end

-- ": Caption {#tbl-x}" under a table.
local function Table(tbl)  -- pandoc 3.9 reads `: Caption {#tbl-x}` into the attributes
  tbl = column_widths(tbl)
  local last = tbl.caption.long[#tbl.caption.long]
  local labelled = tbl.identifier:match("^tbl%-") and last and last.content
  local below = at_bottom(tbl)
  tbl.attributes["tbl-cap-location"] = nil
  if labelled and blank(last.content) then last.content = pandoc.Inlines({}) end
  if labelled and (below or tbl.classes:includes("html-table")) then
    return captioned(tbl, last.content, below)
  end
  if labelled then
    last.content:insert(latex.raw("\\label{" .. tbl.identifier .. "}"))
    tbl.identifier = ""
  end
  return tbl
end

-- ![Caption](file){#fig-x fig-pos="H" fig-align="left" fig-scap="Short"}: pandoc writes
-- the figure, with the placement, the alignment (left: not centred; right: \hfill first)
-- and the short caption of the list of figures, as Quarto;
-- a captioned image without an id is placed H unless a fig-pos says otherwise, and
-- aligned by the document's fig-align only (its own is ignored), as Quarto.
local function Figure(fig)
  local pos, align = fig.attributes["fig-pos"], fig.attributes["fig-align"]
  local scap
  fig = fig:walk({Image = function(image)  -- pandoc leaves the attributes on the image
    pos, align = pos or image.attributes["fig-pos"], align or image.attributes["fig-align"]
    scap = scap or image.attributes["fig-scap"]
    for _, key in ipairs({"fig-pos", "fig-align", "fig-scap"}) do image.attributes[key] = nil end
    return image
  end})
  -- the short caption, for the list of figures: \caption[short]{...}
  if scap then fig.caption.short = latex.read_inlines(scap) end
  local labelled = fig.identifier:match("^fig%-")
  pos = pos or document["fig-pos"] or (not labelled and "H" or nil)
  align = labelled and align or document["fig-align"]
  local moved = align == "left" or align == "right"
  if not (pos or moved) then return fig end
  local tex = pandoc.write(pandoc.Pandoc({fig}), "latex")
  if pos then tex = tex:gsub("\\begin{figure}", "\\begin{figure}[" .. pos .. "]", 1) end
  if moved then tex = tex:gsub("\\centering\n", align == "right" and "\\hfill" or "", 1) end
  return latex.rawblock(tex)
end

-- An image alone in its paragraph, with no caption (a chunk's plot, weave.py), aligned by
-- its fig-align as Quarto aligns it: \hfill before it on the right, centred in `center`;
-- with a #fig- id (pandoc makes no figure of an image without a caption), a figure whose
-- caption is the name and number, as Quarto.
local function Para(para)
  local image = #para.content == 1 and para.content[1]
  if image and image.t == "Image" and image.identifier:match("^fig%-") then
    local pos = image.attributes["fig-pos"] or document["fig-pos"]
    local label = image.identifier
    image.identifier, image.attributes["fig-pos"] = "", nil
    return {latex.rawblock("\\begin{figure}" .. (pos and ("[" .. pos .. "]") or "")
      .. "\n\\centering"), pandoc.Plain({image}),
      latex.rawblock("\\caption{\\label{" .. label .. "}}\n\\end{figure}")}
  end
  local align = image and image.t == "Image" and image.attributes["fig-align"]
  if not align then return nil end
  image.attributes["fig-align"] = nil
  if align == "right" then para.content:insert(1, latex.raw("\\hfill\n")) end
  if align ~= "center" then return para end
  return {latex.rawblock("\\begin{center}"), para, latex.rawblock("\\end{center}")}
end

-- A figure or a listing inside a callout is placed H (a float cannot leave the box), as
-- Quarto places them (listings.lua reads lst-pos).
local function Callout(div)
  if not div.classes:find_if(function(c) return c:match("^callout%-") end) then return nil end
  div.content = div.content:walk({
    Div = function(d)
      local kind = d.identifier:match("^(%a+)%-")
      if kind == "fig" or kind == "lst" then d.attributes[kind .. "-pos"] = "H" return d end
    end,
    Figure = function(fig) fig.attributes["fig-pos"] = "H" return fig end,
    CodeBlock = function(code) code.attributes["lst-pos"] = "H" return code end,
  })
  return div
end

local function Meta(meta)
  for _, key in ipairs({"fig-pos", "fig-align", "tbl-cap-location"}) do
    if meta[key] then document[key] = pandoc.utils.stringify(meta[key]) end
  end
end

-- The figure filter after Div: the images of a figure div (its sub-figures) are raw LaTeX by then
return {{Meta = Meta}, {Div = Callout}, {Div = Subtables}, {Div = Div, Table = Table},
  {Figure = Figure, Para = Para}}
